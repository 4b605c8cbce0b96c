"""Hold every IPv4 packet routed into a TUN device for a fixed time, then hand it back to the kernel.

The lab's latency fault (the kernel here has no netem): a router routes the traffic to slow down
into this device, and forwards what comes back out of it as if it had arrived there. That second
forward costs the packet one more TTL than the path has hops, and mtr would show the router twice:
the TTL is given back, so the path looks exactly as before, only slower.

Usage: delay-forwarder.py DEVICE MILLISECONDS. Prints "ready" once the device exists; runs until
killed (the device goes with it).
"""
import fcntl
import heapq
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def header_checksum(header):
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def give_back_ttl(packet):
    if packet[0] >> 4 != 4:
        return
    length = (packet[0] & 0x0F) * 4
    packet[8] = min(packet[8] + 1, 255)
    packet[10:12] = b"\0\0"
    packet[10:12] = struct.pack("!H", header_checksum(bytes(packet[:length])))


def main():
    device, delay = sys.argv[1], float(sys.argv[2]) / 1000
    tun = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", device.encode(), IFF_TUN | IFF_NO_PI))
    print("ready", flush=True)
    due = []  # (time to send, arrival order, packet): a heap, so order is kept
    arrivals = 0
    while True:
        timeout = max(0.0, due[0][0] - time.monotonic()) if due else None
        if select.select([tun], [], [], timeout)[0]:
            packet = bytearray(os.read(tun, 65535))
            give_back_ttl(packet)
            heapq.heappush(due, (time.monotonic() + delay, arrivals, bytes(packet)))
            arrivals += 1
        while due and due[0][0] <= time.monotonic():
            os.write(tun, heapq.heappop(due)[2])


main()
