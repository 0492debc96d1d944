#!/usr/bin/env bash
# Fingerprints what a build computes: trains every task (and a few objective and network
# variants) for a few iterations with a fixed seed on the CPU backend, evaluates each policy,
# and prints one SHA-256 per run of the checkpoint bytes, of log.csv without its timing columns
# (wall_s, steps_per_s) and of the eval output. Two builds that print the same lines compute the
# same runs bit for bit; run it before and after a refactoring and diff the outputs:
#
#   scripts/run_fingerprint.sh OLD/stampede > old.txt
#   scripts/run_fingerprint.sh build/stampede > new.txt && diff old.txt new.txt
#
# Run directories are fixed paths under $FINGERPRINT_DIR (default /tmp/stampede-fingerprint),
# because a checkpoint records its run directory.
set -euo pipefail
binary="$(realpath "${1:?usage: $0 path/to/stampede}")"
cd "$(dirname "$0")/.."
root="${FINGERPRINT_DIR:-/tmp/stampede-fingerprint}"
rm -rf "$root"
mkdir -p "$root"

# name | train arguments (3 iterations of the task's tuned config unless said otherwise)
runs=(
  "cartpole|--config configs/cartpole.toml --total-steps 3072"
  "acrobot|--config configs/acrobot.toml"
  "pendulum|--config configs/pendulum.toml"
  "mountain_car_continuous|--config configs/mountain_car_continuous.toml"
  "inverted_pendulum|--config configs/inverted_pendulum.toml"
  "inverted_double_pendulum|--config configs/inverted_double_pendulum.toml"
  "reacher|--config configs/reacher.toml"
  "swimmer|--config configs/swimmer.toml"
  "hopper|--config configs/hopper.toml"
  "walker2d|--config configs/walker2d.toml"
  "half_cheetah|--config configs/half_cheetah.toml"
  "cartpole-kl-adaptive|--env cartpole --objective kl_adaptive --num-envs 16 --total-steps 6144"
  "pendulum-kl-fixed-wide|--env Pendulum-v1 --objective kl_fixed --actor-hidden 128,32 --critic-hidden 96 --num-envs 4 --num-steps 200 --total-steps 2400 --minibatch-size 100"
  "acrobot-none-noclip|--env acrobot --objective none --value-clip 0 --max-grad-norm 0 --no-norm-obs --num-envs 8 --total-steps 3072"
  "swimmer-user-model|--env swimmer --model $root/swimmer_euler.xml --num-envs 4 --num-steps 32 --minibatch-size 64 --total-steps 384"
)

# a user's model for --model: Swimmer with Euler integration and weaker motors
asset=$(ls envs/mujoco/assets/swimmer.xml envs/mujoco/assets/swimmer.xml 2>/dev/null | head -1)
sed -e 's/integrator="RK4"/integrator="Euler"/' -e 's/gear="150.0"/gear="90.0"/' "$asset" \
  > "$root/swimmer_euler.xml"

for entry in "${runs[@]}"; do
  name="${entry%%|*}"
  args="${entry#*|}"
  dir="$root/$name"
  if [[ "$args" != *--total-steps* ]]; then  # three iterations of the config's N x T
    toml="${args#--config }"
    n=$(sed -n 's/^num_envs *= *//p' "$toml")
    t=$(sed -n 's/^num_steps *= *//p' "$toml")
    args="$args --total-steps $((3 * n * t))"
  fi
  # shellcheck disable=SC2086
  "$binary" train $args --seed 3 --device cpu --threads 2 --quiet --checkpoint-every 2 \
    --run-dir "$dir" > /dev/null
  eval_text=$("$binary" eval "$dir" --episodes 3 --threads 2)
  ck=$(sha256sum < "$dir/checkpoint.bin" | cut -c1-16)
  log=$(cut -d, -f1-2,5- "$dir/log.csv" | sha256sum | cut -c1-16)
  ev=$(printf '%s' "$eval_text" | sha256sum | cut -c1-16)
  printf '%-26s checkpoint %s  log %s  eval %s\n' "$name" "$ck" "$log" "$ev"
done
