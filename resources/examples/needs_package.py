# Needs a package that is not in the image: allow it (--allow pyyaml, or the Dependencies panel) and give
# a source (a local wheelhouse or an index URL); without a whitelist Python reports the missing module.
import yaml

print(yaml.safe_dump({"answer": 42, "tools": ["agentrun", "python"]}))
