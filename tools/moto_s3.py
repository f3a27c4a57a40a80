"""A real S3 server on loopback for the storage tests and bench: moto's server mode, run from
its own virtual environment (``.venv-s3``, made by tools/lib.sh ``ensure_s3_venv``; moto's
Flask/Werkzeug/cryptography pins conflict with Odoo's) in its own process.

Credentials are checked like AWS does: the server starts with
``INITIAL_NO_AUTH_ACTION_COUNT=3``, the three unauthenticated calls create an IAM user allowed
``s3:*`` and its access key, and every request after that must be signed with that key (a wrong
key is ``InvalidAccessKeyId``, a wrong secret ``SignatureDoesNotMatch``).

Use it with tools/ on the path: ``from moto_s3 import MotoS3Server``.
"""

import json
import os
import uuid
from pathlib import Path

from gelato_sandbox.launcher import ServerProcess, free_port

REPO_ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"


def s3_venv():
    """The moto environment: $GELATO_S3_VENV (set by the scripts) or .venv-s3."""
    venv = Path(os.environ.get("GELATO_S3_VENV") or REPO_ROOT / ".venv-s3")
    if not (venv / "bin" / "moto_server").exists():
        raise RuntimeError(
            "moto's S3 server is not installed in %s: run `make test` or `make setup` "
            "(tools/lib.sh ensure_s3_venv creates it from tools/requirements-s3.txt)." % venv
        )
    return venv


class MotoS3Server(ServerProcess):
    """moto_server on a free loopback port; ``endpoint_url``, ``access_key`` and
    ``secret_key`` are what a client needs. Stop it with :meth:`stop`."""

    def __init__(self, log_path=None, start_timeout=60):
        self.port = free_port()
        self.endpoint_url = "http://127.0.0.1:%s" % self.port
        env = {
            "PATH": os.defpath,
            "HOME": os.environ.get("HOME", "/tmp"),
            "INITIAL_NO_AUTH_ACTION_COUNT": "3",
        }
        super().__init__(
            [str(s3_venv() / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            "moto's S3 server",
            log_path=log_path,
            env=env,
        )
        self.wait_for_url(self.endpoint_url + "/moto-api/data.json", start_timeout)
        self.access_key, self.secret_key = self._create_user()

    def _create_user(self):
        import boto3

        iam = boto3.client(
            "iam",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id="bootstrap",
            aws_secret_access_key="bootstrap",
        )
        iam.create_user(UserName="gelato")
        iam.put_user_policy(
            UserName="gelato",
            PolicyName="s3",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
                }
            ),
        )
        key = iam.create_access_key(UserName="gelato")["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def client(self):
        """A boto3 S3 client signed with the server's user."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(s3={"addressing_style": "path"}),
        )

    def new_bucket(self, prefix="art"):
        """A new empty bucket with a unique name (no reset between tests: moto's reset would
        drop the IAM user too)."""
        name = "%s-%s" % (prefix, uuid.uuid4().hex[:12])
        self.client().create_bucket(Bucket=name)
        return name
