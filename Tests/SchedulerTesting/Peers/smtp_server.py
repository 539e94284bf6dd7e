#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for the tests of email alerts.

It listens on 127.0.0.1 (port 0: a free one; it prints "listening on PORT" once ready), offers STARTTLS with the
given certificate (or speaks TLS from the first byte with --implicit-tls), may insist on it and on a login, and keeps
each message it accepts in --out as NNNN.eml (the bytes after DATA) with NNNN.json beside it (envelope sender,
recipients, whether the session was encrypted, the login used). Both are written under a temporary name and renamed,
so a reader never sees half a message. Recipients at unknown.example are refused with 550; --defer N answers the
first N messages with 451.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Keeper:
    def __init__(self, out, defer):
        self.out = out
        self.defer = defer
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@unknown.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.defer > 0:
            self.defer -= 1
            return "451 4.3.0 try again later"
        self.count += 1
        base = os.path.join(self.out, "%04d" % self.count)
        details = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "login": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
        }
        for suffix, data in ((".eml", envelope.original_content), (".json", json.dumps(details).encode())):
            with open(base + suffix + ".tmp", "wb") as file:
                file.write(data)
            os.rename(base + suffix + ".tmp", base + suffix)
        return "250 OK: kept"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--defer", type=int, default=0)
    arguments = parser.parse_args()

    context = None
    if arguments.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(arguments.cert, arguments.key)

    def authenticator(server, session, envelope, mechanism, data):
        ok = (isinstance(data, LoginPassword) and data.login.decode() == arguments.user
              and data.password.decode() == arguments.password)
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    keeper = Keeper(arguments.out, arguments.defer)

    def factory():
        return SMTP(
            keeper,
            hostname="peer.test",
            tls_context=None if arguments.implicit_tls else context,
            require_starttls=arguments.require_starttls,
            authenticator=authenticator if arguments.user else None,
            auth_required=arguments.user is not None,
            auth_require_tls=not arguments.implicit_tls,
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        factory, host="127.0.0.1", port=arguments.port,
        ssl=context if arguments.implicit_tls else None, reuse_address=True)
    print("listening on %d" % server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
