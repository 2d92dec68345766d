# Not a wrapper: speaks the handshake, then answers the first event with an oversized frame.
import json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(os.environ['NUCLEON_SOCKET'])
hello = json.dumps({'protocol': 1}).encode()
s.sendall(struct.pack('<IB', len(hello) + 1, 1) + hello)
s.recv(65536)
s.sendall(struct.pack('<IB', 0x7ffffff0, 0x11))
s.recv(1)
