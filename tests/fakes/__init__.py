"""Local stand-ins for outside services, serving real HTTP on 127.0.0.1 and checking requests as the services do."""
