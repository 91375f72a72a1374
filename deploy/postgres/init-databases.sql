-- Run once by the postgres image on an empty volume (docker-compose.yml): the conversations (Rasa's tracker
-- store) in a database of their own beside the project's tables (DATABASE_URL), so that retention, backups
-- and a later SQL event broker (its table is also called `events`) never meet.
CREATE DATABASE horizon_tracker OWNER horizon;
