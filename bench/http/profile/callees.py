# Summarises collapsed stacks from cpu-per-request.sh (PROF=1): the callees of the first frame
# matching a substring, as shares of the request threads' samples (virtual-thread carriers).
# Usage: python3 callees.py FILE.collapsed FrameSubstring [depth=1] [rows=25]
import sys, collections, os
THREAD = os.environ.get('THREAD', 'ForkJoinPool-1-worker')
f, target = sys.argv[1], sys.argv[2]
depth = int(sys.argv[3]) if len(sys.argv)>3 else 1
c=collections.Counter(); tot=0; all_=0
for line in open(f):
    stack,n=line.rstrip().rsplit(' ',1); n=int(n); fr=stack.split(';')
    if THREAD not in fr[0]: continue
    all_+=n
    idx=[i for i,x in enumerate(fr) if target in x]
    if not idx: continue
    i=idx[0]; tot+=n
    c[' > '.join(x.split('/')[-1] for x in fr[i+1:i+1+depth]) or '(self)']+=n
print(f'{target}: {tot*100/all_:.1f}% of worker samples')
for k,n in c.most_common(int(sys.argv[4]) if len(sys.argv)>4 else 25): print(f'{n*100/all_:5.1f}% {k}')
