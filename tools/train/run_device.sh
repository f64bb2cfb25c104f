#!/bin/bash
# run_device.sh — the whole default-model run on the device GPU machine, in one command:
# tokenizer, four training settings side by side on the one GPU (the 12M model leaves it
# mostly idle), pick the one with the lowest validation loss, save the BF16 checkpoint and
# the reference outputs, and pack them into $OUT (parts under 16 MiB).
# Run from the repo root with .traindata/ (tools/train/prepare_data.py) carried along:
#   run(command="bash tools/train/run_device.sh", carry=[".traindata"], timeout_s=600)
set -u -o pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; W=/tmp/work; MIN=${MIN:-4.5}
mkdir -p "$OUT" "$W"
T=tools/train/train_gemma3.py
python3 $T --data .traindata --out $W/tok --tokenizer-only 2>&1 | tee $OUT/train.log || exit 1
TOKF=$W/tok/hf/tokenizer.json
i=0
for v in "0.1 12" "0.2 20" "0.3 30" "0.4 36"; do
  set -- $v
  python3 $T --data .traindata --tokenizer $TOKF --candidate-only --out $W/c$i \
      --dropout $1 --epochs $2 --minutes $MIN > $W/c$i.log 2>&1 &
  i=$((i+1))
done
wait
for f in $W/c*.log; do echo "=== $f"; cat $f; done >> $OUT/train.log
best=$(python3 - <<'PY'
import glob, torch
c = [(torch.load(p, map_location="cpu", weights_only=False)["valid"], p) for p in glob.glob("/tmp/work/c*/candidate.pt")]
for v, p in sorted(c): print(f"# candidate {p}: valid {v:.4f}", file=open("/tmp/work/pick.txt", "a"))
print(min(c)[1])
PY
)
cat $W/pick.txt | tee -a $OUT/train.log
echo "picked $best" | tee -a $OUT/train.log
python3 $T --data .traindata --tokenizer $TOKF --from-candidate "$best" --out $W/final 2>&1 | tee -a $OUT/train.log
rc=$?
(cd $W/final && tar cf $W/pkg.tar hf samples.txt) && split -b 15m $W/pkg.tar $OUT/pkg.tar.part-
ls -la $OUT
exit $rc
