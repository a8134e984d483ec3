from redcore_server.cli import main

main()
