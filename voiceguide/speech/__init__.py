"""Speech out: where the dialogue's speech events go (``speakers``), the voice the person
has set (``voice``), synthesis (``synth``) and the speaker that talks (``voiced``)."""
