"""The two kinds of remote storage the scan reads: an S3-compatible bucket (boto3) and a public
HTTP location that cannot be listed (requests).

Every failure is a :class:`StorageError` whose ``code`` says what went wrong in words a
merchant can act on (the model turns it into a translated sentence); secrets never appear in
its text. boto3 is imported only by :class:`S3Storage` (the manifest's external dependency).
"""

import logging
from urllib.parse import quote

import requests

from . import const, patterns

_logger = logging.getLogger(__name__)

# ClientError codes (the server answered) and what they mean to the merchant. HEAD requests
# carry no body: their code is the HTTP status.
_S3_ERROR_CODES = {
    "NoSuchBucket": "no_bucket",
    "InvalidAccessKeyId": "bad_credentials",
    "SignatureDoesNotMatch": "bad_credentials",
    "InvalidToken": "bad_credentials",
    "ExpiredToken": "bad_credentials",
    "TokenRefreshRequired": "bad_credentials",
    "AccessDenied": "denied",
    "AllAccessDisabled": "denied",
    "AccountProblem": "denied",
    "403": "denied",
    "NoSuchKey": "not_found",
    "404": "not_found",
    "PermanentRedirect": "wrong_region",
    "AuthorizationHeaderMalformed": "wrong_region",
    "IllegalLocationConstraintException": "wrong_region",
}


class StorageError(Exception):
    """A storage request that failed.

    :param str code: ``no_bucket``, ``bad_credentials``, ``denied``, ``wrong_region``,
        ``not_found``, ``unreachable``, ``tls``, ``timeout``, ``bad_endpoint``, ``too_large``,
        ``server_error``.
    :param str detail: the store's own words (its error code and message), never a secret.
    """

    def __init__(self, code, detail=""):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    @property
    def is_outage(self):
        """Whether the whole connection is unusable (not only one file)."""
        return self.code not in ("not_found", "too_large")


def read_capped(chunks, max_bytes):
    """The bytes of ``chunks``, or :class:`StorageError` ``too_large`` past ``max_bytes``."""
    data = bytearray()
    for chunk in chunks:
        data += chunk
        if len(data) > max_bytes:
            raise StorageError("too_large", "more than %s bytes" % max_bytes)
    return bytes(data)


class S3Storage:
    """A bucket (and a prefix in it) of any S3-compatible store.

    :param str endpoint_url: empty for AWS S3, else the store's URL (MinIO, Wasabi...).
    :param str addressing_style: ``auto``, ``path`` or ``virtual`` (botocore's names).
    :param str access_key: empty for a public bucket (unsigned requests).
    """

    def __init__(
        self,
        bucket,
        prefix="",
        endpoint_url=None,
        region=None,
        access_key=None,
        secret_key=None,
        addressing_style="auto",
    ):
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = patterns.normalize_prefix(prefix)
        options = {
            "s3": {"addressing_style": addressing_style or "auto"},
            "connect_timeout": const.CONNECT_TIMEOUT,
            "read_timeout": const.READ_TIMEOUT,
            "retries": {"max_attempts": 3, "mode": "standard"},
            # boto3 >= 1.36 sends CRC32 checksums by default, which several S3-compatible
            # stores (MinIO, R2, B2) refuse (boto/botocore#3352).
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
        }
        if not access_key:
            options["signature_version"] = UNSIGNED
        try:
            self.client = boto3.session.Session().client(
                "s3",
                endpoint_url=endpoint_url or None,
                region_name=region or None,
                aws_access_key_id=access_key or None,
                aws_secret_access_key=secret_key or None,
                config=Config(**options),
            )
        except ValueError as error:  # an endpoint URL botocore cannot use
            raise StorageError("bad_endpoint", str(error)) from error

    def _call(self, method, **params):
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            ReadTimeoutError,
            SSLError,
        )
        from botocore.exceptions import ConnectionError as BotoConnectionError

        try:
            return getattr(self.client, method)(**params)
        except ClientError as error:
            info = error.response.get("Error", {})
            code = str(info.get("Code") or "")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            detail = " ".join(filter(None, [code, info.get("Message")]))
            if code in _S3_ERROR_CODES:
                kind = _S3_ERROR_CODES[code]
                if kind == "not_found" and method == "list_objects_v2":
                    kind = "no_bucket"
                raise StorageError(kind, detail) from error
            raise StorageError("server_error", detail or "HTTP %s" % status) from error
        except SSLError as error:
            raise StorageError("tls", str(error)) from error
        except (ConnectTimeoutError, ReadTimeoutError) as error:
            raise StorageError("timeout", str(error)) from error
        except (EndpointConnectionError, BotoConnectionError) as error:
            raise StorageError("unreachable", str(error)) from error
        except NoCredentialsError as error:
            raise StorageError("bad_credentials", str(error)) from error
        except BotoCoreError as error:
            raise StorageError("server_error", str(error)) from error

    def iter_objects(self):
        """Every object under the prefix, one ListObjectsV2 page (1,000 keys) at a time.

        :return: an iterator of ``{"key", "etag", "size", "last_modified"}``.
        :raise StorageError: when a page cannot be listed.
        """
        params = {"Bucket": self.bucket, "MaxKeys": const.LIST_PAGE_SIZE}
        if self.prefix:
            params["Prefix"] = self.prefix
        while True:
            page = self._call("list_objects_v2", **params)
            for item in page.get("Contents") or ():
                yield {
                    "key": item["Key"],
                    "etag": patterns.clean_etag(item.get("ETag")),
                    "size": item.get("Size") or 0,
                    "last_modified": item.get("LastModified"),
                }
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return
            params["ContinuationToken"] = token

    def test(self):
        """List a few keys. :return: ``(listed keys, total count on the first page)``."""
        params = {"Bucket": self.bucket, "MaxKeys": const.TEST_LIST_KEYS}
        if self.prefix:
            params["Prefix"] = self.prefix
        page = self._call("list_objects_v2", **params)
        return [item["Key"] for item in page.get("Contents") or ()]

    def download(self, key, max_bytes):
        """The object's bytes, streamed, refused past ``max_bytes``."""
        from botocore.exceptions import BotoCoreError

        answer = self._call("get_object", Bucket=self.bucket, Key=key)
        body = answer["Body"]
        try:
            length = answer.get("ContentLength")
            if length is not None and length > max_bytes:
                raise StorageError("too_large", "%s bytes" % length)
            return read_capped(body.iter_chunks(const.DOWNLOAD_CHUNK_BYTES), max_bytes)
        except BotoCoreError as error:
            raise StorageError("unreachable", str(error)) from error
        finally:
            body.close()


class HttpStorage:
    """A public location (``base_url``) serving files by name, which cannot be listed: each
    expected name is probed (HEAD), and fetched (GET) when found."""

    def __init__(self, base_url):
        self.base_url = (base_url or "").rstrip("/") + "/"
        self.session = requests.Session()
        # Proxies and .netrc of the server's environment: not for a merchant's files.
        self.session.trust_env = False

    def url(self, name):
        return self.base_url + quote(name)

    def _request(self, method, url, **kwargs):
        try:
            return self.session.request(
                method,
                url,
                timeout=(const.CONNECT_TIMEOUT, const.READ_TIMEOUT),
                allow_redirects=True,
                **kwargs,
            )
        except requests.exceptions.SSLError as error:
            raise StorageError("tls", str(error)) from error
        except requests.exceptions.Timeout as error:
            raise StorageError("timeout", str(error)) from error
        except requests.exceptions.ConnectionError as error:
            raise StorageError("unreachable", str(error)) from error
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as error:
            raise StorageError("bad_endpoint", str(error)) from error
        except requests.exceptions.RequestException as error:
            raise StorageError("server_error", str(error)) from error

    def probe(self, name):
        """Whether ``name`` is there (HEAD).

        A store that may not list answers 403 for a missing name (AWS HeadObject without
        s3:ListBucket): 403 and 404 both mean "not there yet".

        :return: ``{"key", "etag", "size", "last_modified"}`` or None.
        :raise StorageError: when the location does not answer, or answers 5xx.
        """
        url = self.url(name)
        answer = self._request("HEAD", url)
        if answer.status_code in (401, 403, 404, 410):
            return None
        if answer.status_code >= 400:
            raise StorageError("server_error", "HTTP %s" % answer.status_code)
        headers = answer.headers
        size = headers.get("Content-Length")
        etag = patterns.clean_etag(headers.get("ETag"))
        if not etag:
            # No ETag: the date and size stand for the version.
            etag = "%s;%s" % (headers.get("Last-Modified") or "", size or "")
        return {
            "key": name,
            "etag": etag,
            "size": int(size) if size and size.isdigit() else 0,
            "last_modified": headers.get("Last-Modified"),
        }

    def download(self, name, max_bytes):
        answer = self._request("GET", self.url(name), stream=True)
        with answer:
            if answer.status_code in (403, 404, 410):
                raise StorageError("not_found", "HTTP %s" % answer.status_code)
            if answer.status_code >= 400:
                raise StorageError("server_error", "HTTP %s" % answer.status_code)
            try:
                return read_capped(answer.iter_content(const.DOWNLOAD_CHUNK_BYTES), max_bytes)
            except requests.exceptions.RequestException as error:
                raise StorageError("unreachable", str(error)) from error

    def test(self):
        """Ask the base URL: any answer under 500 means the location is reachable (a folder
        URL usually answers 403 or 404). :return: the HTTP status."""
        answer = self._request("HEAD", self.base_url)
        if answer.status_code >= 500:
            raise StorageError("server_error", "HTTP %s" % answer.status_code)
        return answer.status_code
