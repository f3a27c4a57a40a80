-- Copied databases (staging, test) must not mail the merchant's customers personalisation
-- links, nor issue new ones: the links cron stops, and the tokens of production are dropped
-- (a copy's pages must not open with links that customers of production received).
UPDATE ir_cron
   SET active = FALSE
 WHERE id IN (SELECT res_id FROM ir_model_data
               WHERE module = 'gelato_connector_personalization' AND model = 'ir.cron');

UPDATE gelato_personalization SET access_token = NULL;
