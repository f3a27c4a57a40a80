-- Copied databases (staging, test) must never talk to the merchant's Gelato account nor accept
-- its webhooks: blank the credentials and stop the module's crons.
UPDATE res_company
   SET gelato_api_key = NULL,
       gelato_webhook_secret = NULL;

UPDATE ir_cron
   SET active = FALSE
 WHERE id IN (SELECT res_id FROM ir_model_data
               WHERE module = 'gelato_connector' AND model = 'ir.cron');

-- Quotes of the merchant's Gelato account are not served to a copy (nor counted against it).
DELETE FROM gelato_quote_cache;
