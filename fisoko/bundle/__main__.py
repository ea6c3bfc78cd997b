"""`python -m fisoko.bundle`: build dist/fisoko-local-<version>.zip."""

from fisoko.bundle.build import main

main()
