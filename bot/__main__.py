"""`python -m bot` is the same as the `canhgiac` console script."""

from bot.cli import main

main()
