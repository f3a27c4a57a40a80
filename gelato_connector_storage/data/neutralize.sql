-- Copied databases (staging, test) must not read the merchant's storage nor attach its
-- artwork to orders: the secret keys are blanked, the connections archived and the scan
-- stopped. An administrator who wants the copy to scan sets a key and unarchives on purpose.
UPDATE gelato_storage
   SET secret_key = NULL,
       active = FALSE;

UPDATE ir_cron
   SET active = FALSE
 WHERE id IN (SELECT res_id FROM ir_model_data
               WHERE module = 'gelato_connector_storage' AND model = 'ir.cron');
