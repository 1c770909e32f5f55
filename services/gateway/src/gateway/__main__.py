from maitred_platform.cli import main

from gateway.config import Settings

if __name__ == "__main__":
    main("gateway", Settings())
