"""A minimal SMTP server that accepts everything and counts it: the peer of the SMTP list-send benchmark.

aiosmtpd tops out near 300–500 messages a second on this machine, so it would
measure itself rather than composer. This sink speaks just enough SMTP (the
greeting, EHLO, MAIL, RCPT, DATA, RSET, QUIT), reads DATA in chunks up to the
final dot, and keeps nothing but a count. It runs in a process of its own so
that it takes no time from the sender's.

    python benchmarks/smtp_sink.py PORT     # serves until killed; prints the count on SIGTERM
"""

from __future__ import annotations

import asyncio
import signal
import sys

END = b"\r\n.\r\n"


class Sink:
    def __init__(self) -> None:
        self.messages = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 sink ESMTP\r\n")
        try:
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    writer.write(b"250-sink\r\n250 8BITMIME\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 go ahead\r\n")
                    await writer.drain()
                    await reader.readuntil(END)
                    self.messages += 1
                    writer.write(b"250 queued\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    break
                else:  # MAIL, RCPT, RSET, NOOP
                    writer.write(b"250 OK\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def main(port: int) -> None:
    sink = Sink()
    server = await asyncio.start_server(sink.serve, "127.0.0.1", port, limit=64 * 1024 * 1024)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    async with server:
        await stop.wait()
    print(sink.messages, flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
