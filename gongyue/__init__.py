"""gongyue: the platform on which an internet industry association runs its self-discipline convention."""
