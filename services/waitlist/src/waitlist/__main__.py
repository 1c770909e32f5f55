from maitred_platform.cli import main
from waitlist.config import Settings

if __name__ == "__main__":
    main("waitlist", Settings())
