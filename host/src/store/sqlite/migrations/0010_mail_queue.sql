-- Mail now waits in `mail_queue` only until the SMTP transport takes it. The old outbox kept
-- every mail forever, password-reset links and second-factor codes included: drop it.
DELETE FROM docs WHERE collection = 'outbox';
