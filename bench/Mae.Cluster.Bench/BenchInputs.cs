using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Masking;

namespace Mae.Cluster.Bench;

/// <summary>Ready-made model inputs and output buffers for one batch: seeded pixels and real masks, no decoding.</summary>
internal sealed record BenchInputs(float[] Pixels, float[] Cls, float[] Mean, long[] IdsKeep, long[] IdsRestore, float[] Mask, float[] Loss, int Kept)
{
    public static BenchInputs Create(MaeConfig config, int batch, double maskRatio)
    {
        var random = new Random(1);
        var pixels = new float[batch * config.NumChannels * config.ImageSize * config.ImageSize];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (float)((random.NextDouble() * 4) - 2);
        }
        int l = config.NumPatches, kept = PatchMasking.KeptCount(l, maskRatio);
        var idsKeep = new long[batch * kept];
        var idsRestore = new long[batch * l];
        var mask = new float[batch * l];
        for (var b = 0; b < batch; b++)
        {
            var noise = PatchMasking.Noise(0, $"bench-{b}", l);
            PatchMasking.FromNoise(noise, maskRatio, idsKeep.AsSpan(b * kept, kept), idsRestore.AsSpan(b * l, l), mask.AsSpan(b * l, l));
        }
        return new BenchInputs(pixels, new float[batch * config.HiddenSize], new float[batch * config.HiddenSize], idsKeep, idsRestore, mask, new float[batch], kept);
    }
}
