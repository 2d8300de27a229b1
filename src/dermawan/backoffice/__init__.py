"""The back office: signed-in merchants, charities and admins, each seeing only its own."""
