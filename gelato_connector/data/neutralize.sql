-- Copied databases (staging, test) must never talk to the merchant's Gelato account, accept
-- its webhooks, nor hand out links to its print files.
-- * Credentials blanked; calls go to an address that cannot resolve (RFC 2606 ".invalid", as
--   Odoo's own neutralisation does for mail servers): an administrator who wants the copy to
--   call Gelato (or the sandbox) sets the API base URL and a key on purpose.
-- * The public base URL is blanked: links use the copy's own web.base.url.
UPDATE res_company
   SET gelato_api_key = NULL,
       gelato_webhook_secret = NULL,
       gelato_api_url = 'http://neutralized.gelato.invalid',
       gelato_public_base_url = NULL;

-- The key print-file links are signed with: deleted, so the copy makes a new one and links of
-- production never open the copy's files, nor the copy's production's. The transition that
-- accepts links signed with database.secret (which a copy keeps) ends too.
DELETE FROM ir_config_parameter
 WHERE key IN ('gelato_connector.print_file_signing_key',
               'gelato_connector.print_file_legacy_signatures_until');

UPDATE ir_cron
   SET active = FALSE
 WHERE id IN (SELECT res_id FROM ir_model_data
               WHERE module = 'gelato_connector' AND model = 'ir.cron');

-- Quotes of the merchant's Gelato account are not served to a copy (nor counted against it).
DELETE FROM gelato_quote_cache;
