"""A TCP service for the lab's target: accept every connection and close it at once.

Accepting matters: mtr over TCP and check_tcp complete the handshake, and connections nobody
accepts fill the listen queue until the kernel drops new SYNs, which a trace would read as loss.
Usage: tcp-listener.py ADDRESS PORT. Prints "ready" once listening; runs until SIGTERM.
"""
import signal
import socket
import sys

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
server = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((sys.argv[1], int(sys.argv[2])))
server.listen(1024)
print('ready', flush=True)
while True:
    connection, _ = server.accept()
    connection.close()
