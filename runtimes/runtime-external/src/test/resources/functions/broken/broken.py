# A handler module that fails to import: the processor's start must say so, with this stderr.
import sys
print('about to fail on purpose', file=sys.stderr)
raise RuntimeError('this module is broken on purpose')
