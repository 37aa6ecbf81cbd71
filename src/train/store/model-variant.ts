/**
 * Whether a saved model (its topology, as checkpoint.json and model.json hold it) is the
 * variant a run's arguments describe: a file copied from another run (an --impl none cell's
 * checkpoint in a custom run's dir) is told apart by the model's name, which names the
 * BatchNorm implementation, and its BatchNorm and dropout layers, which name their positions.
 */
import { hasBatchNorm } from '../../model/impls';
import type { ModelVariant } from '../../model/run-args';

interface Topology {
  config?: { name?: unknown; layers?: { config?: { name?: unknown } }[] };
}

interface Shape {
  model: string;
  layers: string[];
}

/** What the builder names (model/lenet.ts): lenet_bn_<impl> or lenet; bn<P> and dropout<P>. */
function expectedShape(v: ModelVariant): Shape {
  const batchNorm = hasBatchNorm(v.impl) ? v.bnLayers.map((p) => `bn${p}`) : [];
  const dropout = v.dropout > 0 ? ['dropout3', 'dropout4'] : [];
  return { model: hasBatchNorm(v.impl) ? `lenet_bn_${v.impl}` : 'lenet', layers: [...batchNorm, ...dropout].sort() };
}

const describe = (s: Shape) => `model ${s.model} with ${s.layers.length > 0 ? s.layers.join(', ') : 'no BatchNorm or dropout layer'}`;

/** Undefined when the topology is the variant's; else what it holds against what the run is, in words. */
export function modelVariantProblem(topology: unknown, variant: ModelVariant): string | undefined {
  const config = (topology as Topology | null)?.config;
  const names = Array.isArray(config?.layers) ? config.layers.map((layer) => String(layer?.config?.name)) : [];
  const found: Shape = { model: String(config?.name), layers: names.filter((n) => /^(bn|dropout)\d$/.test(n)).sort() };
  const expected = expectedShape(variant);
  if (found.model === expected.model && found.layers.join() === expected.layers.join()) return undefined;
  return `a ${describe(found)}, but the run's arguments make a ${describe(expected)}`;
}
