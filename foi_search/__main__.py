from foi_search.cli import main

main()
