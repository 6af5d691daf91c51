from vaezoo.cli import main

main()
