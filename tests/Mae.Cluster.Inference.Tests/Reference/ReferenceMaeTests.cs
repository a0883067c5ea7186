using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Reference;

public class ReferenceMaeTests
{
    // Float outputs against float64 golden values: the reference rounds to fp32 only at the end.
    private const double FloatTolerance = 2e-6;

    [Fact]
    public void HuggingFaceAcceptanceNoiseKeepsTheExpectedPatches()
    {
        var noise = new NumpyMt19937(2).Uniform(196);

        var masking = ReferenceMae.Mask(noise, 0.75);

        int[] expected =
        [
            1, 6, 12, 14, 19, 21, 23, 24, 27, 28, 31, 38, 51, 55, 57, 63, 67, 77, 81, 89, 91, 94, 98, 101, 106, 117,
            123, 124, 126, 129, 130, 132, 138, 141, 143, 147, 150, 151, 154, 155, 156, 159, 167, 172, 173, 188, 189,
            191, 194,
        ];
        Assert.Equal(expected, masking.IdsKeep.Order());
        Assert.Equal([188, 126, 77], masking.IdsKeep[..3]); // np.argsort(noise)[:3]; patch 188 has the least, 0.00845
    }

    [Theory]
    [InlineData(196, 0.75)]
    [InlineData(196, 0.0)]
    [InlineData(196, 1.0)]
    [InlineData(196, 0.9)]
    [InlineData(9, 0.5)]
    [InlineData(16, 0.75)]
    [InlineData(256, 0.75)]
    [InlineData(7, 0.3)]
    public void MaskRemovesExactlyThePatchesNotKept(int patchCount, double maskRatio)
    {
        var noise = new NumpyMt19937(5).Uniform(patchCount);

        var masking = ReferenceMae.Mask(noise, maskRatio);

        var keepCount = (int)(patchCount * (1 - maskRatio));
        Assert.Equal(keepCount, masking.IdsKeep.Length);
        Assert.Equal(patchCount - keepCount, masking.Mask.Count(m => m == 1f));
        Assert.All(masking.IdsKeep, id => Assert.Equal(0f, masking.Mask[id]));
        for (var position = 0; position < patchCount; position++)
        {
            Assert.Equal(position, masking.IdsRestore[masking.IdsShuffle[position]]);
        }

        for (var position = 1; position < patchCount; position++)
        {
            Assert.True(noise[masking.IdsShuffle[position - 1]] <= noise[masking.IdsShuffle[position]]);
        }
    }

    [Fact]
    public void EqualNoiseKeepsPatchesInIdOrder()
    {
        // Many ties among enough patches that an unstable sort would reorder them (Array.Sort is introspective).
        var noise = Enumerable.Range(0, 64).Select(k => (double)((k * 7) % 4)).ToArray();

        var masking = ReferenceMae.Mask(noise, 0.5);

        var stableOrder = Enumerable.Range(0, 64).OrderBy(k => noise[k]).ToArray(); // LINQ's OrderBy is stable
        Assert.Equal(stableOrder, masking.IdsShuffle);
        Assert.Equal(stableOrder[..32], masking.IdsKeep);
    }

    [Fact]
    public void PatchifyOrdersEachPatchByRowThenColumnThenChannel()
    {
        var config = new MaeConfig { ImageSize = 4, PatchSize = 2, NumChannels = 2 };
        var pixels = new float[2 * 4 * 4];
        for (var c = 0; c < 2; c++)
        {
            for (var y = 0; y < 4; y++)
            {
                for (var x = 0; x < 4; x++)
                {
                    pixels[(((c * 4) + y) * 4) + x] = (c * 100) + (y * 10) + x;
                }
            }
        }

        var patches = ReferenceMae.Patchify(pixels, config);

        float[] expected =
        [
            0, 100, 1, 101, 10, 110, 11, 111, // patch 0: grid row 0, column 0
            2, 102, 3, 103, 12, 112, 13, 113, // patch 1: grid row 0, column 1
            20, 120, 21, 121, 30, 130, 31, 131, // patch 2: grid row 1, column 0
            22, 122, 23, 123, 32, 132, 33, 133, // patch 3: grid row 1, column 1
        ];
        Assert.Equal(expected, patches);
    }

    [Fact]
    public void SmallConfigMatchesTheNumpyTranscriptionOfHuggingFace()
    {
        // golden/mae_golden.py, section SMALL.
        var config = ReferenceTestConfigs.Small;
        var checkpoint = RandomMaeCheckpoint.Create(config, 7);
        var pixels = RandomMaeCheckpoint.Pixels(config, 8);
        var noise = new NumpyMt19937(2).Uniform(config.NumPatches);

        var features = ReferenceMae.Features(checkpoint, pixels);
        var reconstruction = ReferenceMae.Reconstruct(checkpoint, pixels, noise);
        var normalised = ReferenceMae.Reconstruct(Checkpoint(checkpoint, config with { NormPixLoss = true }), pixels, noise);

        AssertClose([-1.047494318358189, -0.4678370270400616, -0.9211398385668065, 1.655233611211053], features.Cls[..4]);
        AssertClose([0.06573905910665413, 0.009061039893051535, -0.2286323926574478, -0.03649480423567497], features.Mean[..4]);
        var width = config.HiddenSize;
        AssertClose([-0.059334450752223475, -0.5855938998721006, -1.0009574087633926], reconstruction.LastHiddenState[..3]);
        AssertClose([0.5375268880789073, -0.45125877399638215, -0.43741904208802224], reconstruction.LastHiddenState[width..(width + 3)]);
        AssertClose([0.35960405511122767, -0.20947839550984088, -0.11572772426271233], reconstruction.Logits[..3]);
        AssertClose([-0.026950703408947008, -0.8744176844963703, -0.7372223433485621], reconstruction.Logits[^3..]);
        Assert.Equal(0.6189608035207333, reconstruction.Loss, 1e-12);
        Assert.Equal(1.279873194592368, normalised.Loss, 1e-12);
    }

    [Fact]
    public void SixteenPixelPatchesMatchTheNumpyTranscriptionOfHuggingFace()
    {
        // golden/mae_golden.py, section WIDE_PATCH: L = 9 at mask ratio 0.5 keeps int(4.5) = 4 patches.
        var config = ReferenceTestConfigs.WidePatch;
        var checkpoint = RandomMaeCheckpoint.Create(config, 11);
        var pixels = RandomMaeCheckpoint.Pixels(config, 12);
        var noise = new NumpyMt19937(13).Uniform(config.NumPatches);

        var features = ReferenceMae.Features(checkpoint, pixels);
        var reconstruction = ReferenceMae.Reconstruct(checkpoint, pixels, noise);
        var normalised = ReferenceMae.Reconstruct(Checkpoint(checkpoint, config with { NormPixLoss = true }), pixels, noise);

        Assert.Equal(4, reconstruction.IdsKeep.Length);
        AssertClose([-0.4020907380471629, -1.6783097539446408, 0.8661199374314095, 0.6240969344001375], features.Cls[..4]);
        AssertClose([0.8667222504262327, -0.6955415318360115, -0.35375147164390897, -0.7100200230946022], features.Mean[..4]);
        var width = config.HiddenSize;
        AssertClose([-0.7480127331572196, -1.5801152878726135, 0.9028495412441112], reconstruction.LastHiddenState[..3]);
        AssertClose([0.6945883897919112, -0.854131012411926, 0.2533088004039154], reconstruction.LastHiddenState[width..(width + 3)]);
        AssertClose([0.8464610727582842, -0.9876699993926974, -0.16025383516860486], reconstruction.Logits[..3]);
        AssertClose([0.01342770512175628, 0.42530111745675364, -0.07552670114639437], reconstruction.Logits[^3..]);
        Assert.Equal(0.6910993458562864, reconstruction.Loss, 1e-12);
        Assert.Equal(1.3633145182973776, normalised.Loss, 1e-12);
    }

    [Fact]
    public void ReorderingTheKeptPatchesLeavesLossLogitsAndClsUnchanged()
    {
        var config = ReferenceTestConfigs.Small;
        var checkpoint = RandomMaeCheckpoint.Create(config, 21);
        var pixels = RandomMaeCheckpoint.Pixels(config, 22);
        var noise = new NumpyMt19937(23).Uniform(config.NumPatches);
        var kept = ReferenceMae.Mask(noise, config.MaskRatio).IdsKeep;
        var reordered = (double[])noise.Clone();
        for (var i = 0; i < kept.Length; i++)
        {
            reordered[kept[i]] = noise[kept[kept.Length - 1 - i]];
        }

        var original = ReferenceMae.Reconstruct(checkpoint, pixels, noise);
        var permuted = ReferenceMae.Reconstruct(checkpoint, pixels, reordered);

        Assert.Equal(kept.Reverse(), permuted.IdsKeep);
        Assert.Equal(original.Mask, permuted.Mask);
        Assert.Equal(original.Loss, permuted.Loss, 1e-9);
        AssertClose(original.Logits.Select(v => (double)v).ToArray(), permuted.Logits, 1e-6);
        AssertClose(original.LastHiddenState[..config.HiddenSize].Select(v => (double)v).ToArray(), permuted.LastHiddenState[..config.HiddenSize], 1e-6);
    }

    [Fact]
    public void NoMaskingWithIdentityNoiseGivesTheUnmaskedFeatures()
    {
        var config = ReferenceTestConfigs.Small;
        var checkpoint = RandomMaeCheckpoint.Create(config, 31);
        var pixels = RandomMaeCheckpoint.Pixels(config, 32);
        var identityNoise = Enumerable.Range(0, config.NumPatches).Select(k => (double)k / config.NumPatches).ToArray();

        var features = ReferenceMae.Features(checkpoint, pixels);
        var unmasked = ReferenceMae.Reconstruct(checkpoint, pixels, identityNoise, maskRatio: 0.0);

        Assert.Equal(Enumerable.Range(0, config.NumPatches), unmasked.IdsKeep);
        Assert.All(unmasked.Mask, m => Assert.Equal(0f, m));
        Assert.Equal(features.LastHiddenState, unmasked.LastHiddenState);
        Assert.Equal(features.Cls, unmasked.LastHiddenState[..config.HiddenSize]);
        Assert.True(double.IsNaN(unmasked.Loss), "With nothing masked the loss is 0/0, as in Hugging Face.");
    }

    [Fact]
    public void MeanPoolingAveragesThePatchTokensWithoutCls()
    {
        var config = ReferenceTestConfigs.WidePatch;
        var features = ReferenceMae.Features(RandomMaeCheckpoint.Create(config, 41), RandomMaeCheckpoint.Pixels(config, 42));

        var width = config.HiddenSize;
        for (var i = 0; i < width; i++)
        {
            var sum = 0.0;
            for (var t = 1; t <= config.NumPatches; t++)
            {
                sum += features.LastHiddenState[(t * width) + i];
            }

            Assert.Equal(sum / config.NumPatches, features.Mean[i], 1e-6);
        }
    }

    [Fact]
    public void NormPixLossChangesTheLossButNotTheLogits()
    {
        var config = ReferenceTestConfigs.Small;
        var checkpoint = RandomMaeCheckpoint.Create(config, 51);
        var pixels = RandomMaeCheckpoint.Pixels(config, 52);
        var noise = new NumpyMt19937(53).Uniform(config.NumPatches);

        var plain = ReferenceMae.Reconstruct(checkpoint, pixels, noise);
        var normalised = ReferenceMae.Reconstruct(Checkpoint(checkpoint, config with { NormPixLoss = true }), pixels, noise);

        Assert.Equal(plain.Logits, normalised.Logits);
        Assert.True(Math.Abs(plain.Loss - normalised.Loss) > 1e-3, $"plain {plain.Loss}, normalised {normalised.Loss}");
    }

    [Fact]
    public void ZeroWeightsPredictTheDecoderBiasAndTheLossIsItsDistanceFromThePatches()
    {
        // With every weight and LayerNorm scale zero, each patch's prediction is decoder_pred.bias. The pixels are
        // 0, 0.5 and 1 in channels 0, 1 and 2, so a bias of 0.5·c at (p·P + q)·C + c reproduces every patch exactly,
        // which only the (p, q, c) target order achieves; a zero bias misses by 0, 0.5 and 1.
        var config = ReferenceTestConfigs.Small;
        var checkpoint = RandomMaeCheckpoint.Zeros(config);
        var pixels = ChannelConstantPixels(config);
        var bias = checkpoint["decoder.decoder_pred.bias"].Values;
        for (var i = 0; i < config.PatchDim; i++)
        {
            bias[i] = 0.5f * (i % config.NumChannels);
        }

        var noise = new NumpyMt19937(61).Uniform(config.NumPatches);

        var matching = ReferenceMae.Reconstruct(checkpoint, pixels, noise);
        Array.Clear(bias);
        var missing = ReferenceMae.Reconstruct(checkpoint, pixels, noise);

        for (var k = 0; k < config.NumPatches; k++)
        {
            Assert.Equal(
                ReferenceMae.Patchify(pixels, config)[(k * config.PatchDim)..((k + 1) * config.PatchDim)],
                matching.Logits[(k * config.PatchDim)..((k + 1) * config.PatchDim)]);
        }

        Assert.Equal(0.0, matching.Loss);
        Assert.All(missing.Logits, v => Assert.Equal(0f, v));
        Assert.Equal((0.0 + 0.25 + 1.0) / 3.0, missing.Loss, 1e-15);
    }

    [Fact]
    public void NormPixLossNormalisesEachPatchWithTheUnbiasedVariance()
    {
        // Zero weights predict 0, so the loss is the mean square of the normalised target:
        // Σ(t − mean)² / (N·(var + 1e-6)) with var = Σ(t − mean)² / (N − 1).
        var config = ReferenceTestConfigs.Small with { NormPixLoss = true };
        var checkpoint = RandomMaeCheckpoint.Zeros(config);
        var noise = new NumpyMt19937(71).Uniform(config.NumPatches);

        var result = ReferenceMae.Reconstruct(checkpoint, ChannelConstantPixels(config), noise);

        var n = (double)config.PatchDim;
        var squaredDeviations = (n / 3.0) * (0.25 + 0.0 + 0.25);
        var variance = squaredDeviations / (n - 1);
        Assert.Equal(squaredDeviations / (n * (variance + 1e-6)), result.Loss, 1e-14);
    }

    [Fact]
    public void DecoderPutsMaskTokensAtTheRemovedPatches()
    {
        // Zero weights except: decoder_embed.bias = e0 (what every kept token becomes), mask_token = e1,
        // decoder_norm scale 1, and decoder_pred copying features 0 and 1. LayerNorm of a one-hot vector of width
        // 16 is √15 at the hot feature and −1/√15 elsewhere, so feature 0 is large exactly at the kept patches.
        var config = ReferenceTestConfigs.Small;
        var checkpoint = RandomMaeCheckpoint.Zeros(config);
        var width = config.DecoderHiddenSize;
        checkpoint["decoder.decoder_embed.bias"].Values[0] = 1f;
        checkpoint["decoder.mask_token"].Values[1] = 1f;
        Array.Fill(checkpoint["decoder.decoder_norm.weight"].Values, 1f);
        checkpoint["decoder.decoder_pred.weight"].Values[0] = 1f; // output 0 ← feature 0
        checkpoint["decoder.decoder_pred.weight"].Values[width + 1] = 1f; // output 1 ← feature 1
        var noise = new NumpyMt19937(81).Uniform(config.NumPatches);

        var result = ReferenceMae.Reconstruct(checkpoint, RandomMaeCheckpoint.Pixels(config, 82), noise);

        var hot = Math.Sqrt(15.0);
        for (var k = 0; k < config.NumPatches; k++)
        {
            var kept = result.Mask[k] == 0f;
            Assert.Equal(kept ? hot : -1 / hot, result.Logits[k * config.PatchDim], 1e-6);
            Assert.Equal(kept ? -1 / hot : hot, result.Logits[(k * config.PatchDim) + 1], 1e-6);
        }
    }

    [Fact]
    public void CheckpointWithoutQkvBiasEqualsOneWithZeroQkvBias()
    {
        var withBias = RandomMaeCheckpoint.Create(ReferenceTestConfigs.Small, 91);
        foreach (var (name, tensor) in withBias.Tensors)
        {
            if (name.EndsWith("query.bias", StringComparison.Ordinal) || name.EndsWith("key.bias", StringComparison.Ordinal)
                || name.EndsWith("value.bias", StringComparison.Ordinal))
            {
                Array.Clear(tensor.Values);
            }
        }

        var withoutConfig = ReferenceTestConfigs.Small with { QkvBias = false };
        var withoutBias = new MaeCheckpoint
        {
            Directory = "(no qkv bias)",
            Config = withoutConfig,
            Preprocessor = PreprocessorConfig.Default,
            Hash = "",
            Tensors = MaeTensorLayout.For(withoutConfig).ToDictionary(spec => spec.Name, spec => withBias[spec.Name]),
        };
        var pixels = RandomMaeCheckpoint.Pixels(ReferenceTestConfigs.Small, 92);
        var noise = new NumpyMt19937(93).Uniform(ReferenceTestConfigs.Small.NumPatches);

        Assert.DoesNotContain(withoutBias.Tensors.Keys, name => name.EndsWith("query.bias", StringComparison.Ordinal));
        Assert.Equal(ReferenceMae.Reconstruct(withBias, pixels, noise).Logits, ReferenceMae.Reconstruct(withoutBias, pixels, noise).Logits);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        var config = ReferenceTestConfigs.WidePatch;
        var complete = RandomMaeCheckpoint.Create(config, 101);
        var incomplete = Checkpoint(complete, config, drop: "vit.encoder.layer.0.intermediate.dense.bias");

        var error = Assert.Throws<KeyNotFoundException>(() => ReferenceMae.Features(incomplete, RandomMaeCheckpoint.Pixels(config, 102)));

        Assert.Contains("vit.encoder.layer.0.intermediate.dense.bias", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TensorOfTheWrongShapeIsNamed()
    {
        var config = ReferenceTestConfigs.WidePatch;
        var checkpoint = RandomMaeCheckpoint.Create(config, 111);
        var narrower = config with { DecoderHiddenSize = 16 };

        var error = Assert.Throws<InvalidDataException>(() => ReferenceMae.Reconstruct(
            Checkpoint(checkpoint, narrower),
            RandomMaeCheckpoint.Pixels(config, 112),
            new NumpyMt19937(113).Uniform(config.NumPatches)));

        Assert.Contains("decoder.decoder_embed.weight", error.Message, StringComparison.Ordinal);
        Assert.Contains("[20, 24]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoiseOfTheWrongLengthIsRefused()
    {
        var config = ReferenceTestConfigs.WidePatch;

        var error = Assert.Throws<ArgumentException>(() => ReferenceMae.Reconstruct(
            RandomMaeCheckpoint.Create(config, 121),
            RandomMaeCheckpoint.Pixels(config, 122),
            new double[config.NumPatches + 1]));

        Assert.Equal("noise", error.ParamName);
    }

    [Fact]
    public void NarrowModelAtBaseGeometryProducesFullSizeOutputs()
    {
        // 197 tokens, hidden 64, 2 + 2 layers: the geometry of vit-mae-base at a width tests can afford.
        var config = ReferenceTestConfigs.NarrowBaseGeometry;
        var checkpoint = RandomMaeCheckpoint.Create(config, 131);
        var pixels = RandomMaeCheckpoint.Pixels(config, 132);
        var noise = new NumpyMt19937(2).Uniform(config.NumPatches);

        var features = ReferenceMae.Features(checkpoint, pixels);
        var reconstruction = ReferenceMae.Reconstruct(checkpoint, pixels, noise);

        Assert.Equal(config.HiddenSize, features.Cls.Length);
        Assert.Equal(196 * 768, reconstruction.Logits.Length);
        Assert.True(double.IsFinite(reconstruction.Loss));
    }

    private static MaeCheckpoint Checkpoint(MaeCheckpoint source, MaeConfig config, string? drop = null) => new()
    {
        Directory = source.Directory,
        Config = config,
        Preprocessor = source.Preprocessor,
        Hash = source.Hash,
        Tensors = source.Tensors.Where(pair => pair.Key != drop).ToDictionary(),
    };

    private static float[] ChannelConstantPixels(MaeConfig config)
    {
        var plane = config.ImageSize * config.ImageSize;
        var pixels = new float[config.NumChannels * plane];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = 0.5f * (i / plane);
        }

        return pixels;
    }

    private static void AssertClose(double[] expected, float[] actual, double tolerance = FloatTolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(
                Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
