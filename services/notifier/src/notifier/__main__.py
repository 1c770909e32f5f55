from maitred_platform.cli import main
from notifier.config import Settings

if __name__ == "__main__":
    main("notifier", Settings())
