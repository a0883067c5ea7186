using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Reference;

/// <summary>
/// A deliberately plain forward pass of Hugging Face's <c>ViTMAEForPreTraining</c> for one image, written from
/// the model spec with loops over arrays and double-precision arithmetic. Tests hold the ONNX graphs against it,
/// so it shares no code with them.
/// </summary>
public static class ReferenceMae
{
    /// <summary>
    /// The encoder over the whole, unmasked image (all L patches in order, no shuffling), then <c>vit.layernorm</c>.
    /// </summary>
    public static ReferenceFeatures Features(MaeCheckpoint checkpoint, float[] pixelValuesChw)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var config = checkpoint.Config;
        ValidateConfig(config);
        var weights = new ReferenceWeights(checkpoint);
        var patches = EmbedPatches(weights, pixelValuesChw);

        var tokens = new double[patches.Length + 1][];
        tokens[0] = ClsToken(weights);
        patches.CopyTo(tokens, 1);
        var hidden = Encode(weights, tokens);

        var width = config.HiddenSize;
        var mean = new double[width];
        for (var t = 1; t < hidden.Length; t++)
        {
            for (var i = 0; i < width; i++)
            {
                mean[i] += hidden[t][i];
            }
        }

        for (var i = 0; i < width; i++)
        {
            mean[i] /= patches.Length;
        }

        return new ReferenceFeatures(ToFloats(hidden[0]), ToFloats(mean), Flatten(hidden));
    }

    /// <summary>The masked pre-training pass at the config's mask ratio.</summary>
    public static ReferenceReconstruction Reconstruct(MaeCheckpoint checkpoint, float[] pixelValuesChw, double[] noise)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return Reconstruct(checkpoint, pixelValuesChw, noise, checkpoint.Config.MaskRatio);
    }

    /// <summary>
    /// The masked pre-training pass: keep the patches with the smallest noise, encode [CLS, kept patches],
    /// decode all patches, and score the removed ones against the (optionally per-patch normalised) pixels.
    /// </summary>
    /// <param name="noise">One value per patch (L values), as Hugging Face's <c>noise</c> argument.</param>
    public static ReferenceReconstruction Reconstruct(
        MaeCheckpoint checkpoint,
        float[] pixelValuesChw,
        double[] noise,
        double maskRatio)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(noise);
        var config = checkpoint.Config;
        ValidateConfig(config);
        if (noise.Length != config.NumPatches)
        {
            throw new ArgumentException(
                $"Noise has {noise.Length} values; the config has {config.NumPatches} patches.", nameof(noise));
        }

        var weights = new ReferenceWeights(checkpoint);
        var masking = Mask(noise, maskRatio);
        var patches = EmbedPatches(weights, pixelValuesChw);

        var tokens = new double[masking.IdsKeep.Length + 1][];
        tokens[0] = ClsToken(weights);
        for (var i = 0; i < masking.IdsKeep.Length; i++)
        {
            tokens[i + 1] = patches[masking.IdsKeep[i]];
        }

        var latent = Encode(weights, tokens);
        var predictions = Decode(weights, latent, masking.IdsRestore);
        var targets = Targets(pixelValuesChw, config);

        var patchLosses = new double[config.NumPatches];
        var maskedSum = 0.0;
        var maskedCount = 0;
        for (var k = 0; k < config.NumPatches; k++)
        {
            var squares = 0.0;
            for (var i = 0; i < config.PatchDim; i++)
            {
                var difference = predictions[k][i] - targets[k][i];
                squares += difference * difference;
            }

            patchLosses[k] = squares / config.PatchDim;
            if (masking.Mask[k] == 1f)
            {
                maskedSum += patchLosses[k];
                maskedCount++;
            }
        }

        var loss = maskedCount == 0 ? double.NaN : maskedSum / maskedCount;
        return new ReferenceReconstruction(
            Flatten(predictions),
            masking.Mask,
            masking.IdsKeep,
            masking.IdsRestore,
            loss,
            patchLosses,
            Flatten(latent));
    }

    /// <summary>
    /// Hugging Face's <c>random_masking</c> for given noise: ids_shuffle = argsort(noise) (ascending, ties by
    /// patch id), ids_restore = argsort(ids_shuffle), len_keep = (int)(L·(1 − maskRatio)).
    /// </summary>
    public static ReferenceMask Mask(double[] noise, double maskRatio)
    {
        ArgumentNullException.ThrowIfNull(noise);
        if (!(maskRatio >= 0 && maskRatio <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(maskRatio), maskRatio, "The mask ratio must lie in [0, 1].");
        }

        for (var k = 0; k < noise.Length; k++)
        {
            if (!double.IsFinite(noise[k]))
            {
                throw new ArgumentException($"Noise value {k} is {noise[k]}; masking needs finite noise.", nameof(noise));
            }
        }

        var patchCount = noise.Length;
        var idsShuffle = new int[patchCount];
        for (var k = 0; k < patchCount; k++)
        {
            idsShuffle[k] = k;
        }

        // Array.Sort is not stable; breaking ties by patch id makes the order the one a stable argsort gives.
        Array.Sort(idsShuffle, (a, b) => noise[a] != noise[b] ? noise[a].CompareTo(noise[b]) : a.CompareTo(b));

        var idsRestore = new int[patchCount];
        for (var position = 0; position < patchCount; position++)
        {
            idsRestore[idsShuffle[position]] = position;
        }

        var keepCount = (int)(patchCount * (1 - maskRatio));
        var mask = new float[patchCount];
        for (var k = 0; k < patchCount; k++)
        {
            mask[k] = idsRestore[k] < keepCount ? 0f : 1f;
        }

        return new ReferenceMask(idsShuffle, idsShuffle[..keepCount], idsRestore, mask);
    }

    /// <summary>
    /// Hugging Face's <c>patchify</c>: [C, H, W] pixels to L rows of p·p·C values, patch k = row·G + col, and within
    /// a patch element (p·P + q)·C + c — pixel row, pixel column, then channel (not the convolution's order).
    /// </summary>
    public static float[] Patchify(float[] pixelsChw, MaeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ValidatePixels(pixelsChw, config);
        var size = config.ImageSize;
        var patch = config.PatchSize;
        var grid = config.GridSize;
        var channels = config.NumChannels;
        var result = new float[config.NumPatches * config.PatchDim];
        for (var row = 0; row < grid; row++)
        {
            for (var col = 0; col < grid; col++)
            {
                var patchStart = ((row * grid) + col) * config.PatchDim;
                for (var p = 0; p < patch; p++)
                {
                    for (var q = 0; q < patch; q++)
                    {
                        for (var c = 0; c < channels; c++)
                        {
                            var y = (row * patch) + p;
                            var x = (col * patch) + q;
                            result[patchStart + (((p * patch) + q) * channels) + c] = pixelsChw[(((c * size) + y) * size) + x];
                        }
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Conv2d(kernel p, stride p) patch embedding plus <c>position_embeddings[1:]</c>: L rows.</summary>
    private static double[][] EmbedPatches(ReferenceWeights weights, float[] pixelsChw)
    {
        var config = weights.Config;
        ValidatePixels(pixelsChw, config);
        var width = config.HiddenSize;
        var size = config.ImageSize;
        var patch = config.PatchSize;
        var grid = config.GridSize;
        var channels = config.NumChannels;
        var kernel = weights.Get("vit.embeddings.patch_embeddings.projection.weight", width, channels, patch, patch);
        var bias = weights.Get("vit.embeddings.patch_embeddings.projection.bias", width);
        var positions = weights.Get("vit.embeddings.position_embeddings", 1, config.NumPatches + 1, width);

        var embedded = new double[config.NumPatches][];
        Parallel.For(0, config.NumPatches, k =>
        {
            var row = k / grid;
            var col = k % grid;
            var output = new double[width];
            for (var d = 0; d < width; d++)
            {
                var sum = (double)bias[d];
                for (var c = 0; c < channels; c++)
                {
                    for (var kh = 0; kh < patch; kh++)
                    {
                        for (var kw = 0; kw < patch; kw++)
                        {
                            var pixel = pixelsChw[(((c * size) + (row * patch) + kh) * size) + (col * patch) + kw];
                            sum += pixel * (double)kernel[(((((d * channels) + c) * patch) + kh) * patch) + kw];
                        }
                    }
                }

                output[d] = sum + positions[((k + 1) * width) + d];
            }

            embedded[k] = output;
        });
        return embedded;
    }

    /// <summary>cls_token + position_embeddings[0] (zero in the real checkpoints, added anyway as HF does).</summary>
    private static double[] ClsToken(ReferenceWeights weights)
    {
        var width = weights.Config.HiddenSize;
        var cls = weights.Get("vit.embeddings.cls_token", 1, 1, width);
        var positions = weights.Get("vit.embeddings.position_embeddings", 1, weights.Config.NumPatches + 1, width);
        var token = new double[width];
        for (var i = 0; i < width; i++)
        {
            token[i] = (double)cls[i] + positions[i];
        }

        return token;
    }

    /// <summary>The encoder layers and the final <c>vit.layernorm</c>.</summary>
    private static double[][] Encode(ReferenceWeights weights, double[][] tokens)
    {
        var config = weights.Config;
        var hidden = tokens;
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            hidden = ReferenceTransformerLayer.Forward(
                hidden,
                weights,
                $"vit.encoder.layer.{layer}.",
                config.HiddenSize,
                config.NumAttentionHeads,
                config.IntermediateSize);
        }

        return ReferenceOps.LayerNorm(
            hidden,
            weights.Get("vit.layernorm.weight", config.HiddenSize),
            weights.Get("vit.layernorm.bias", config.HiddenSize),
            config.LayerNormEps);
    }

    /// <summary>
    /// The decoder: embed [CLS, kept], fill the removed patches with mask_token, unshuffle with ids_restore, add
    /// decoder_pos_embed, run the layers, norm, predict, and drop CLS. Returns L rows of p·p·C.
    /// </summary>
    private static double[][] Decode(ReferenceWeights weights, double[][] latent, int[] idsRestore)
    {
        var config = weights.Config;
        var width = config.DecoderHiddenSize;
        var patchCount = config.NumPatches;
        var keptCount = latent.Length - 1;
        var embedded = ReferenceOps.Linear(
            latent,
            weights.Get("decoder.decoder_embed.weight", width, config.HiddenSize),
            weights.Get("decoder.decoder_embed.bias", width),
            width);
        var maskToken = weights.Get("decoder.mask_token", 1, 1, width);
        var positions = weights.Get("decoder.decoder_pos_embed", 1, patchCount + 1, width);

        var hidden = new double[patchCount + 1][];
        for (var t = 0; t <= patchCount; t++)
        {
            // Row 0 is CLS; row 1 + j is patch j, which sits at shuffled position idsRestore[j]: a kept token if
            // that position is below len_keep, a mask token otherwise.
            var shuffledPosition = t == 0 ? -1 : idsRestore[t - 1];
            var source = t == 0 ? embedded[0]
                : shuffledPosition < keptCount ? embedded[1 + shuffledPosition]
                : null;
            var row = new double[width];
            for (var i = 0; i < width; i++)
            {
                row[i] = (source is null ? maskToken[i] : source[i]) + positions[(t * width) + i];
            }

            hidden[t] = row;
        }

        for (var layer = 0; layer < config.DecoderNumHiddenLayers; layer++)
        {
            hidden = ReferenceTransformerLayer.Forward(
                hidden,
                weights,
                $"decoder.decoder_layers.{layer}.",
                width,
                config.DecoderNumAttentionHeads,
                config.DecoderIntermediateSize);
        }

        var normed = ReferenceOps.LayerNorm(
            hidden,
            weights.Get("decoder.decoder_norm.weight", width),
            weights.Get("decoder.decoder_norm.bias", width),
            config.LayerNormEps);
        var predicted = ReferenceOps.Linear(
            normed[1..],
            weights.Get("decoder.decoder_pred.weight", config.PatchDim, width),
            weights.Get("decoder.decoder_pred.bias", config.PatchDim),
            config.PatchDim);
        return predicted;
    }

    /// <summary>Patchified pixels, each patch normalised to mean 0 and unbiased variance 1 when norm_pix_loss is on.</summary>
    private static double[][] Targets(float[] pixelsChw, MaeConfig config)
    {
        var patches = Patchify(pixelsChw, config);
        var dim = config.PatchDim;
        var targets = new double[config.NumPatches][];
        for (var k = 0; k < config.NumPatches; k++)
        {
            var target = new double[dim];
            for (var i = 0; i < dim; i++)
            {
                target[i] = patches[(k * dim) + i];
            }

            if (config.NormPixLoss)
            {
                var mean = 0.0;
                for (var i = 0; i < dim; i++)
                {
                    mean += target[i];
                }

                mean /= dim;
                var variance = 0.0;
                for (var i = 0; i < dim; i++)
                {
                    variance += (target[i] - mean) * (target[i] - mean);
                }

                variance /= dim - 1;
                var std = Math.Sqrt(variance + 1e-6);
                for (var i = 0; i < dim; i++)
                {
                    target[i] = (target[i] - mean) / std;
                }
            }

            targets[k] = target;
        }

        return targets;
    }

    private static void ValidateConfig(MaeConfig config)
    {
        if (config.HiddenAct != "gelu")
        {
            throw new NotSupportedException(
                $"config.json hidden_act is '{config.HiddenAct}'; the reference implements only exact 'gelu'.");
        }

        if (config.PatchSize <= 0 || config.ImageSize % config.PatchSize != 0)
        {
            throw new NotSupportedException(
                $"config.json image_size {config.ImageSize} is not a multiple of patch_size {config.PatchSize}.");
        }

        if (config.HiddenSize % config.NumAttentionHeads != 0)
        {
            throw new NotSupportedException(
                $"config.json hidden_size {config.HiddenSize} is not divisible by num_attention_heads {config.NumAttentionHeads}.");
        }

        if (config.DecoderHiddenSize % config.DecoderNumAttentionHeads != 0)
        {
            throw new NotSupportedException(
                $"config.json decoder_hidden_size {config.DecoderHiddenSize} is not divisible by " +
                $"decoder_num_attention_heads {config.DecoderNumAttentionHeads}.");
        }
    }

    private static void ValidatePixels(float[] pixelsChw, MaeConfig config)
    {
        ArgumentNullException.ThrowIfNull(pixelsChw);
        var expected = config.NumChannels * config.ImageSize * config.ImageSize;
        if (pixelsChw.Length != expected)
        {
            throw new ArgumentException(
                $"Pixel values have {pixelsChw.Length} floats; the config needs {config.NumChannels}×" +
                $"{config.ImageSize}×{config.ImageSize} = {expected} (CHW).",
                nameof(pixelsChw));
        }
    }

    private static float[] ToFloats(double[] values)
    {
        var result = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = (float)values[i];
        }

        return result;
    }

    private static float[] Flatten(double[][] rows)
    {
        var width = rows.Length == 0 ? 0 : rows[0].Length;
        var result = new float[rows.Length * width];
        for (var t = 0; t < rows.Length; t++)
        {
            for (var i = 0; i < width; i++)
            {
                result[(t * width) + i] = (float)rows[t][i];
            }
        }

        return result;
    }
}
