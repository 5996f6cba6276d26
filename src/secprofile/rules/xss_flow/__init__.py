"""Rules of the data-flow engine (secprofile.flow): request data reaching a dangerous sink."""
