-- Copied databases (staging, test) must not synchronise with the merchant's DAM accounts nor
-- write into them: credentials and tokens blanked, sources archived, the cron stopped. (The
-- core's neutralisation deletes the signing key: checkout links of production do not open the
-- copy's products.)
UPDATE gelato_dam
   SET bynder_permanent_token = NULL,
       client_secret = NULL,
       webdam_password = NULL,
       webdam_refresh_token = NULL,
       token_data = NULL,
       backlink_enabled = FALSE,
       active = FALSE;

UPDATE ir_cron
   SET active = FALSE
 WHERE id IN (SELECT res_id FROM ir_model_data
               WHERE module = 'gelato_connector_dam' AND model = 'ir.cron');
