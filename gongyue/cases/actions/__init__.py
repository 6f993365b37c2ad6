"""Every step of a case, dispute, complaint or criticism is a `do_*` action here."""
