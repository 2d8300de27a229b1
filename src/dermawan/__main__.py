from dermawan.cli import main

main()
