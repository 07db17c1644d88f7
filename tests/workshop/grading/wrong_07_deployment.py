"""Plausible wrong answers to the exercises of ``solutions/07_deployment.ipynb``.

The same shape as ``wrong_answers.py``: ``(exercise id, what is wrong, [names of the
checks it must fail], edit)``, the edit being ``(solution text, replacement)`` or a list
of such pairs, each made once in the solution cell's source.  None of them listens
anywhere but on 127.0.0.1, and only on a port the system picks.
"""

TAC = "ex07_tac_file"
PLUGIN = "ex07_plugin"

DEFINES = "upper.tac loads and leaves an Application in a variable called application"
HOLDS = "the application holds a TCPServer service on 127.0.0.1, port 0"
RUNS = "minitwistd -n -y upper.tac serves it: hello comes back as HELLO"
STARTS_NOTHING = "loading upper.tac starts nothing: no service running, no port open"

MAKES = "makeService returns a TCPServer service whose factory builds Upper"
USES_OPTIONS = "the service listens on the port and interface the options name"
BIG_PORT = "UpperOptions refuses --port 70000 with a UsageError"
NEGATIVE = "UpperOptions refuses a negative port too"
ENDS = "UpperOptions accepts --port 0 (any free port) and --port 65535"
NO_PORT = "makeService opens no port itself"

SERVICE_LINES = ('server = internet.TCPServer(0, factory, interface="127.0.0.1")\n'
                 "server.setServiceParent(application)\n")

WRONG_ANSWERS = [
    (TAC, "the application is left in a variable called app",
     [DEFINES, HOLDS, RUNS, STARTS_NOTHING],
     [('application = service.Application("upper")', 'app = service.Application("upper")'),
      ("server.setServiceParent(application)", "server.setServiceParent(app)")]),
    (TAC, "the .tac runs the reactor itself, like a script",
     [DEFINES, HOLDS],
     ("server.setServiceParent(application)\n",
      "server.setServiceParent(application)\n\nfrom minitwisted.internet import reactor\n"
      "reactor.run()\n")),
    (TAC, "the interface is the name localhost, not the address 127.0.0.1",
     [HOLDS],
     ('interface="127.0.0.1"', 'interface="localhost"')),
    (TAC, "the TCPServer is never added to the application",
     [HOLDS, RUNS],
     ("server.setServiceParent(application)\n", "")),
    (TAC, "the factory is never told which protocol to build",
     [RUNS],
     ("factory = protocol.Factory.forProtocol(Upper)", "factory = protocol.Factory()")),
    (TAC, "the .tac starts the services itself",
     [STARTS_NOTHING],
     ("server.setServiceParent(application)\n",
      "server.setServiceParent(application)\nservice.IService(application).startService()\n")),
    (TAC, "the .tac listens with reactor.listenTCP instead of declaring a service",
     [HOLDS, STARTS_NOTHING],
     (SERVICE_LINES, "from minitwisted.internet import reactor\n"
      'reactor.listenTCP(0, factory, interface="127.0.0.1")\n')),

    (PLUGIN, "postOptions checks only the upper end of the range",
     [NEGATIVE],
     ('if not 0 <= self["port"] <= 65535:', 'if self["port"] > 65535:')),
    (PLUGIN, "postOptions refuses port 0",
     [ENDS],
     ('if not 0 <= self["port"] <= 65535:', 'if not 0 < self["port"] <= 65535:')),
    (PLUGIN, "postOptions raises ValueError, which minitwistd shows as a traceback",
     [BIG_PORT, NEGATIVE],
     ("raise usage.UsageError(", "raise ValueError(")),
    (PLUGIN, "makeService listens on 8000 whatever --port says",
     [USES_OPTIONS],
     ('internet.TCPServer(options["port"], factory', "internet.TCPServer(8000, factory")),
    (PLUGIN, "makeService forgets the interface, so the server listens on all of them",
     [USES_OPTIONS],
     (', interface=options["interface"])', ")")),
    (PLUGIN, "makeService returns the factory, not a service",
     [MAKES, USES_OPTIONS, NO_PORT],
     ('        return internet.TCPServer(options["port"], factory, '
      'interface=options["interface"])', "        return factory")),
    (PLUGIN, "makeService listens by itself, then returns the service",
     [NO_PORT],
     ('        return internet.TCPServer(',
      "        from minitwisted.internet import reactor\n"
      '        reactor.listenTCP(options["port"], factory, interface=options["interface"])\n'
      "        return internet.TCPServer(")),
]
