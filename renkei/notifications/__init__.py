"""In-app notifications and the e-mail that says only that there is something new."""
