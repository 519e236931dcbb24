from hashchat.cli import main

main()
