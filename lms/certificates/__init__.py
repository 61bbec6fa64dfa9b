"""Certificates: completion, credit claims, PDF certificates, verification and transcripts."""
