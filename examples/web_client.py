"""A web client: fetch one URL with Agent, print the status line and the body.

Explained in notebooks/A2_web_in_sixty_seconds.ipynb (fetching each page with Agent).
Start ``examples/web_app.py`` (or any web server) first, then:

    python examples/web_client.py http://127.0.0.1:8080/hello?name=bob

``Agent.request`` fires once the status and headers are in; ``readBody`` then collects
the body, which may arrive in many pieces.  Replace ``minitwisted`` by ``twisted`` and it
runs on real Twisted.
"""

import sys

from minitwisted.internet import task
from minitwisted.web.client import Agent, readBody


async def main(reactor, url):
    agent = Agent(reactor)
    response = await agent.request(b"GET", url.encode("ascii"))
    print(response.code, response.phrase.decode("ascii"))
    body = await readBody(response)
    print(body.decode("utf-8"))


if __name__ == "__main__":
    task.react(main, sys.argv[1:])
