"""Audio in and out: 16 kHz mono PCM, files, devices, tones."""
