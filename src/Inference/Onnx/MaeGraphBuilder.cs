using System.Globalization;
using Mae.Cluster.Inference.Checkpoints;
using Onnx;

namespace Mae.Cluster.Inference.Onnx;

/// <summary>
/// Turns a ViT-MAE checkpoint into ONNX graphs (see docs/model.md and mae-semantics.md). Masking is an input
/// computed on the host, so the graphs hold no sort and stay deterministic; the batch dimension is dynamic.
/// </summary>
public static class MaeGraphBuilder
{
    /// <summary>Bumped whenever the emitted graphs change; part of the graph cache key.</summary>
    public const int GraphVersion = 2;

    /// <summary>Builds <paramref name="kind"/> with the default emission (<see cref="GraphEmission.Fused"/>) for the CPU.</summary>
    public static void Build(MaeCheckpoint checkpoint, MaeGraphKind kind, Precision precision, string modelPath) =>
        Build(checkpoint, kind, precision, GraphEmission.Fused, ExecutionDevice.Cpu, modelPath);

    /// <summary>
    /// Builds <paramref name="kind"/> for the execution provider of <paramref name="device"/> (only CPU or CUDA
    /// matters, not the index): a fused graph picks, per provider, the kernels that pay there (docs/model.md,
    /// "Emission"). Either graph runs on either provider.
    /// </summary>
    public static void Build(MaeCheckpoint checkpoint, MaeGraphKind kind, Precision precision, GraphEmission emission,
        ExecutionDevice device, string modelPath)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(device);
        var emitter = new Emitter(checkpoint, precision, emission, device.IsCuda, $"mae_{kind.ToString().ToLowerInvariant()}");
        if (kind is MaeGraphKind.Features or MaeGraphKind.FeaturesWithTokens)
        {
            emitter.EmitFeatures(withTokens: kind == MaeGraphKind.FeaturesWithTokens);
        }
        else
        {
            emitter.EmitReconstruction();
        }
        emitter.Writer.Save(modelPath, GraphVersion.ToString(CultureInfo.InvariantCulture), new Dictionary<string, string>
        {
            ["mae.checkpoint_sha256"] = checkpoint.Hash,
            ["mae.graph"] = kind.ToString(),
            ["mae.precision"] = precision.ToString(),
            ["mae.emission"] = emission.ToString(),
            ["mae.provider"] = device.IsCuda ? "cuda" : "cpu",
        });
    }

    /// <summary>The part of a graph's cache key its emission and provider make: <c>plain</c>, <c>fused-cpu</c> or <c>fused-cuda</c>.</summary>
    public static string EmissionKey(GraphEmission emission, ExecutionDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return emission == GraphEmission.Plain ? "plain" : device.IsCuda ? "fused-cuda" : "fused-cpu";
    }

    private sealed class Emitter(MaeCheckpoint checkpoint, Precision precision, GraphEmission emission, bool forCuda, string graphName)
    {
        private const TensorProto.Types.DataType F32 = TensorProto.Types.DataType.Float;
        private const TensorProto.Types.DataType F16 = TensorProto.Types.DataType.Float16;
        private const TensorProto.Types.DataType I64 = TensorProto.Types.DataType.Int64;

        private readonly MaeConfig _config = checkpoint.Config;
        private readonly bool _half = precision == Precision.Fp16;
        private readonly bool _fused = emission == GraphEmission.Fused;

        // SkipLayerNormalization pays on CUDA (one pass over the residual stream instead of three), not on the CPU:
        // ONNX Runtime 1.31's CPU kernel is a scalar loop, measured 2–3× slower there than Add + Add +
        // LayerNormalization, whose CPU kernel MLAS vectorises (docs/model.md, "Emission").
        private readonly bool _skipLayerNorm = emission == GraphEmission.Fused && forCuda;
        private string? _batchDim;

        public OnnxGraphWriter Writer { get; } = new(graphName);

        public void EmitFeatures(bool withTokens)
        {
            var pixels = Writer.Input(MaeGraphIO.PixelValues, F32, "batch", _config.NumChannels, _config.ImageSize, _config.ImageSize);
            var patches = PatchEmbeddings(pixels);
            var tokens = PrependCls(patches, pixels);
            var hidden = Encoder(tokens);

            var cls = Writer.Node("Gather", [hidden, Writer.Int64Scalar("token_zero", 0)], attributes: ("axis", 1L));
            var patchTokens = Writer.Node("Slice", [hidden, Int64s("one", 1), Int64s("end", long.MaxValue), Int64s("one", 1)]);
            var mean = Writer.Node("ReduceMean", [patchTokens], attributes: [("axes", new long[] { 1 }), ("keepdims", 0L)]);
            Writer.Output(ToFloat32(cls), MaeGraphIO.ClsEmbedding, F32, "batch", _config.HiddenSize);
            Writer.Output(ToFloat32(mean), MaeGraphIO.MeanEmbedding, F32, "batch", _config.HiddenSize);
            if (withTokens)
            {
                Writer.Output(ToFloat32(hidden), MaeGraphIO.LastHiddenState, F32, "batch", _config.NumPatches + 1, _config.HiddenSize);
            }
        }

        public void EmitReconstruction()
        {
            var cfg = _config;
            var pixels = Writer.Input(MaeGraphIO.PixelValues, F32, "batch", cfg.NumChannels, cfg.ImageSize, cfg.ImageSize);
            var idsKeep = Writer.Input(MaeGraphIO.IdsKeep, I64, "batch", "kept");
            var idsRestore = Writer.Input(MaeGraphIO.IdsRestore, I64, "batch", cfg.NumPatches);
            var mask = Writer.Input(MaeGraphIO.Mask, F32, "batch", cfg.NumPatches);

            // Encoder over the kept patches only: gather them (in shuffle order, as Hugging Face does).
            var patches = PatchEmbeddings(pixels);
            var keepIndex = Writer.Node("Unsqueeze", [idsKeep, Int64s("minus_one", -1)]);
            var kept = Writer.Node("GatherND", [patches, keepIndex], attributes: ("batch_dims", 1L));
            var latent = Encoder(PrependCls(kept, pixels));

            // Decoder: embed, append mask tokens, unshuffle, add positions.
            var embedded = Linear(latent, MaeTensorNames.DecoderEmbedWeight, MaeTensorNames.DecoderEmbedBias);
            var clsToken = Writer.Node("Slice", [embedded, Int64s("zero", 0), Int64s("one", 1), Int64s("one", 1)]);
            var keptTokens = Writer.Node("Slice", [embedded, Int64s("one", 1), Int64s("end", long.MaxValue), Int64s("one", 1)]);
            var maskShape = Writer.Node("Concat", [Writer.Node("Shape", [idsRestore]), Int64s("decoder_width", cfg.DecoderHiddenSize)], attributes: ("axis", 0L));
            var maskTokens = Writer.Node("Expand", [Weight(MaeTensorNames.MaskToken), maskShape]);
            // Kept tokens first, then (at least) enough mask tokens: ids_restore ≥ kept picks a mask token,
            // and all mask tokens are equal, so which one it picks does not matter.
            var pool = Writer.Node("Concat", [keptTokens, maskTokens], attributes: ("axis", 1L));
            var restoreIndex = Writer.Node("Unsqueeze", [idsRestore, Int64s("minus_one", -1)]);
            var unshuffled = Writer.Node("GatherND", [pool, restoreIndex], attributes: ("batch_dims", 1L));
            var sequence = Writer.Node("Concat", [clsToken, unshuffled], attributes: ("axis", 1L));
            var decoderIn = Writer.Node("Add", [sequence, Weight(MaeTensorNames.DecoderPositionEmbeddings)]);

            var x = TransformerStack(decoderIn, cfg.DecoderNumHiddenLayers, MaeTensorNames.DecoderLayer, cfg.DecoderHiddenSize,
                cfg.DecoderNumAttentionHeads, MaeTensorNames.DecoderNormWeight, MaeTensorNames.DecoderNormBias);
            var logits = Linear(x, MaeTensorNames.DecoderPredWeight, MaeTensorNames.DecoderPredBias);
            var predicted = ToFloat32(Writer.Node("Slice", [logits, Int64s("one", 1), Int64s("end", long.MaxValue), Int64s("one", 1)]));

            var target = Patchify(pixels);
            if (cfg.NormPixLoss)
            {
                target = NormalizePatches(target);
            }
            var diff = Writer.Node("Sub", [predicted, target]);
            var perPatch = Writer.Node("ReduceMean", [Writer.Node("Mul", [diff, diff])], attributes: [("axes", new long[] { -1 }), ("keepdims", 0L)]);
            var maskedSum = Writer.Node("ReduceSum", [Writer.Node("Mul", [perPatch, mask]), Int64s("one", 1)], attributes: ("keepdims", 0L));
            var maskedCount = Writer.Node("ReduceSum", [mask, Int64s("one", 1)], attributes: ("keepdims", 0L));
            var loss = Writer.Node("Div", [maskedSum, maskedCount]);

            Writer.Output(loss, MaeGraphIO.Loss, F32, "batch");
            Writer.Output(predicted, MaeGraphIO.PredictedPatches, F32, "batch", cfg.NumPatches, cfg.PatchDim);
        }

        /// <summary>Conv2d(kernel p, stride p) as a MatMul over (c, kh, kw)-flattened patches, plus positions.</summary>
        private string PatchEmbeddings(string pixels)
        {
            var cfg = _config;
            int p = cfg.PatchSize, c = cfg.NumChannels;
            var split = Writer.Node("Reshape", [pixels, PixelGridShape()]);
            var grouped = Writer.Node("Transpose", [split], attributes: ("perm", new long[] { 0, 2, 4, 1, 3, 5 }));
            var flat = Writer.Node("Reshape", [grouped, Int64s("conv_patch_shape", 0, cfg.NumPatches, c * p * p)]);

            var w = checkpoint[MaeTensorNames.PatchProjectionWeight].Values; // [D, C, p, p]
            var projection = Writer.Initializer("patch_projection_t", Transpose(w, cfg.HiddenSize, c * p * p), [c * p * p, cfg.HiddenSize], _half);
            var projected = Writer.Node("MatMul", [ToCompute(flat), projection]);
            projected = Writer.Node("Add", [projected, Weight(MaeTensorNames.PatchProjectionBias)]);

            var table = checkpoint[MaeTensorNames.PositionEmbeddings].Values; // [1, L+1, D]; row 0 belongs to CLS
            var patchPositions = Writer.Initializer("patch_positions", table.AsSpan(cfg.HiddenSize), [cfg.NumPatches, cfg.HiddenSize], _half);
            return Writer.Node("Add", [projected, patchPositions]);
        }

        private string PrependCls(string tokens, string pixels)
        {
            var d = _config.HiddenSize;
            var cls = checkpoint[MaeTensorNames.ClsToken].Values;
            var table = checkpoint[MaeTensorNames.PositionEmbeddings].Values;
            var clsWithPosition = new float[d];
            for (var i = 0; i < d; i++)
            {
                clsWithPosition[i] = cls[i] + table[i];
            }
            var clsInit = Writer.Initializer("cls_with_position", clsWithPosition, [1, 1, d], _half);
            var shape = Writer.Node("Concat", [BatchDim(pixels), Int64s("cls_shape_tail", 1, d)], attributes: ("axis", 0L));
            var clsBatch = Writer.Node("Expand", [clsInit, shape]);
            return Writer.Node("Concat", [clsBatch, tokens], attributes: ("axis", 1L));
        }

        private string Encoder(string tokens) =>
            TransformerStack(tokens, _config.NumHiddenLayers, MaeTensorNames.EncoderLayer, _config.HiddenSize,
                _config.NumAttentionHeads, MaeTensorNames.EncoderNormWeight, MaeTensorNames.EncoderNormBias);

        /// <summary><paramref name="layers"/> pre-norm layers, then the stack's final layernorm.</summary>
        private string TransformerStack(string x, int layers, Func<int, TransformerLayerNames> names, int width, int heads,
            string normWeight, string normBias)
        {
            if (_fused)
            {
                return FusedTransformerStack(x, layers, names, width, heads, normWeight, normBias);
            }
            for (var layer = 0; layer < layers; layer++)
            {
                x = TransformerLayer(x, names(layer), width, heads);
            }
            return LayerNorm(x, normWeight, normBias);
        }

        /// <summary>
        /// The same stack with ONNX Runtime's contrib operators (kernels on both the CPU and CUDA providers):
        /// MultiHeadAttention, BiasGelu, and for CUDA SkipLayerNormalization. Every residual add is followed by a
        /// layernorm — layer i's attention residual by its layernorm_after, its MLP residual by layer i+1's
        /// layernorm_before (the stack's final norm after the last layer) — so each pair, with the bias of the Linear
        /// before it, is one residual step (<see cref="ResidualNorm"/>) that also hands on the sum, the residual
        /// stream. The first layer's layernorm_before has no residual before it and stays a LayerNormalization.
        /// </summary>
        private string FusedTransformerStack(string x, int layers, Func<int, TransformerLayerNames> names, int width, int heads,
            string normWeight, string normBias)
        {
            // The residual stream runs in fp32 in fp16 graphs too: the residual steps compute in fp32 (see ResidualNorm),
            // so the sum they hand on is fp32 and the stream is never rounded to fp16.
            var residual = ToFloat32(x);
            var normed = LayerNorm32(residual, names(0).LayerNormBeforeWeight, names(0).LayerNormBeforeBias);
            for (var layer = 0; layer < layers; layer++)
            {
                var n = names(layer);
                var attention = MatMul(FusedSelfAttention(normed, n, width, heads), n.AttentionOutputWeight);
                var (normedAfter, attended) = ResidualNorm(attention, n.AttentionOutputBias, residual,
                    n.LayerNormAfterWeight, n.LayerNormAfterBias, keepSum: true);

                var intermediate = MatMul(normedAfter, n.IntermediateWeight);
                // Exact (erf) GELU with the bias add in one kernel; not FastGelu, whose tanh approximation moves the numbers.
                var activated = Writer.Node("BiasGelu", [intermediate, Weight(n.IntermediateBias)], domain: OnnxGraphWriter.MicrosoftDomain);
                var mlp = MatMul(activated, n.OutputWeight);

                var last = layer == layers - 1;
                var next = last ? null : names(layer + 1);
                (normed, residual) = ResidualNorm(mlp, n.OutputBias, attended,
                    next?.LayerNormBeforeWeight ?? normWeight, next?.LayerNormBeforeBias ?? normBias, keepSum: !last);
            }
            return normed;
        }

        /// <summary>
        /// Softmax(Q·Kᵀ/√d)·V over <paramref name="heads"/> heads as one <c>com.microsoft.MultiHeadAttention</c>, fed
        /// query, key and value [B, S, width] split from one bias-free QKV MatMul, and the QKV bias [3·width] (Q|K|V),
        /// which the kernel adds while reordering to heads. MultiHeadAttention rather than <c>com.microsoft.Attention</c>
        /// (which would take the QKV projection too): ONNX Runtime's CPU Attention kernel computes that projection as
        /// 3·B·heads single-threaded per-head GEMMs and then attention unfused, materialising every B·heads·S·S score
        /// matrix, while its CPU MultiHeadAttention kernel, in this graph's case (no mask, no past, fp32), runs MLAS's
        /// tiled flash attention, and the projection stays one full-width MatMul that ONNX Runtime prepacks. Packed QKV
        /// ([B, S, heads, 3, d], no Split) is not implemented by the CPU kernel. Both operators have CUDA kernels for
        /// fp32 and fp16, where MultiHeadAttention dispatches to fused (flash / memory-efficient) attention.
        /// </summary>
        private string FusedSelfAttention(string normed, TransformerLayerNames names, int width, int heads)
        {
            var (qkv, bias) = QkvProjection(normed, names, width);
            List<string> inputs = [.. Writer.MultiNode("Split", [qkv, Int64s(names.Prefix + "qkv_split", width, width, width)], 3, ("axis", -1L))];
            if (_config.QkvBias)
            {
                inputs.Add(Writer.Initializer(names.Prefix + "qkv.bias", bias, [3 * width], _half));
            }
            var scale = (float)(1.0 / Math.Sqrt(width / heads));
            return Writer.Node("MultiHeadAttention", inputs, domain: OnnxGraphWriter.MicrosoftDomain,
                attributes: [("num_heads", (long)heads), ("scale", scale)]);
        }

        /// <summary>normed·[Wq|Wk|Wv]ᵀ as one MatMul (weights concatenated on the host), and the concatenated bias.</summary>
        private (string Qkv, float[] Bias) QkvProjection(string normed, TransformerLayerNames names, int width)
        {
            var qkvWeight = new float[width * 3 * width];
            var qkvBias = new float[3 * width];
            string[] weights = [names.QueryWeight, names.KeyWeight, names.ValueWeight];
            string[] biases = [names.QueryBias, names.KeyBias, names.ValueBias];
            for (var part = 0; part < 3; part++)
            {
                var w = checkpoint[weights[part]].Values; // [out, in]
                for (var o = 0; o < width; o++)
                {
                    for (var i = 0; i < width; i++)
                    {
                        qkvWeight[(i * 3 * width) + (part * width) + o] = w[(o * width) + i];
                    }
                }
                if (_config.QkvBias)
                {
                    checkpoint[biases[part]].Values.CopyTo(qkvBias, part * width);
                }
            }
            var qkv = Writer.Node("MatMul", [normed, Writer.Initializer(names.Prefix + "qkv.weight_t", qkvWeight, [width, 3 * width], _half)]);
            return (qkv, qkvBias);
        }

        /// <summary>
        /// LayerNorm(input + bias + skip) with ε exactly the checkpoint's, returning the normalised tensor (compute
        /// precision) and, when <paramref name="keepSum"/>, the sum (fp32), the residual stream. Always computed in
        /// fp32, as LayerNormalization is in fp16 graphs. For CUDA one <c>com.microsoft.SkipLayerNormalization</c>
        /// (the sum is its optional output 3), fed fp32 inputs: its CUDA fp16 variant accumulates in fp16 and rounds
        /// ε (1e-12) to fp16, i.e. to 0. For the CPU, Add + Add + LayerNormalization (see <c>_skipLayerNorm</c>).
        /// </summary>
        private (string Normed, string Sum) ResidualNorm(string input, string biasName, string skip, string gammaName,
            string betaName, bool keepSum)
        {
            if (!_skipLayerNorm)
            {
                var sum = Writer.Node("Add", [Writer.Node("Add", [ToFloat32(input), Float32Weight(biasName)]), skip]);
                return (LayerNorm32(sum, gammaName, betaName), keepSum ? sum : "");
            }
            var outputs = Writer.MultiNode("SkipLayerNormalization",
                [ToFloat32(input), skip, Float32Weight(gammaName), Float32Weight(betaName), Float32Weight(biasName)],
                [true, false, false, keepSum], OnnxGraphWriter.MicrosoftDomain, ("epsilon", (float)_config.LayerNormEps));
            return (ToCompute(outputs[0]), outputs[3]);
        }

        /// <summary>Pre-norm ViT layer: h = x + Attn(LN(x)); y = h + MLP(LN(h)).</summary>
        private string TransformerLayer(string x, TransformerLayerNames names, int width, int heads)
        {
            var headDim = width / heads;
            var prefix = names.Prefix;
            var normed = LayerNorm(x, names.LayerNormBeforeWeight, names.LayerNormBeforeBias);

            // One MatMul for Q, K and V (weights concatenated on the host), then split.
            var (qkv, qkvBias) = QkvProjection(normed, names, width);
            if (_config.QkvBias)
            {
                qkv = Writer.Node("Add", [qkv, Writer.Initializer(prefix + "qkv.bias", qkvBias, [3 * width], _half)]);
            }
            var qkvParts = Writer.MultiNode("Split", [qkv, Int64s(prefix + "qkv_split", width, width, width)], 3, ("axis", -1L));

            var headShape = Int64s($"heads_shape_{width}_{heads}", 0, 0, heads, headDim);
            string Heads(string t, long[] perm) =>
                Writer.Node("Transpose", [Writer.Node("Reshape", [t, headShape])], attributes: ("perm", perm));
            var q = Heads(qkvParts[0], [0, 2, 1, 3]);
            var k = Heads(qkvParts[1], [0, 2, 3, 1]);
            var v = Heads(qkvParts[2], [0, 2, 1, 3]);

            var scale = Writer.ScalarConstant(prefix + "attention_scale", (float)(1.0 / Math.Sqrt(headDim)), _half);
            var scores = Writer.Node("MatMul", [Writer.Node("Mul", [q, scale]), k]);
            var probabilities = ToCompute(Writer.Node("Softmax", [ToFloat32(scores)], attributes: ("axis", -1L)));
            var context = Writer.Node("MatMul", [probabilities, v]);
            context = Writer.Node("Transpose", [context], attributes: ("perm", new long[] { 0, 2, 1, 3 }));
            context = Writer.Node("Reshape", [context, Int64s($"merge_heads_{width}", 0, 0, width)]);
            var attended = Writer.Node("Add", [x, Linear(context, names.AttentionOutputWeight, names.AttentionOutputBias)]);

            var normed2 = LayerNorm(attended, names.LayerNormAfterWeight, names.LayerNormAfterBias);
            var hidden = Gelu(Linear(normed2, names.IntermediateWeight, names.IntermediateBias));
            return Writer.Node("Add", [attended, Linear(hidden, names.OutputWeight, names.OutputBias)]);
        }

        /// <summary>y = x·Wᵀ + b, with W stored [out, in] in the checkpoint and transposed once here.</summary>
        private string Linear(string x, string weightName, string biasName) =>
            Writer.Node("Add", [MatMul(x, weightName), Weight(biasName)]);

        /// <summary>x·Wᵀ, with W stored [out, in] in the checkpoint and transposed once here.</summary>
        private string MatMul(string x, string weightName)
        {
            var weight = checkpoint[weightName];
            int outDim = weight.Shape[0], inDim = weight.Shape[1];
            var wt = Writer.Initializer(weightName + "_t", Transpose(weight.Values, outDim, inDim), [inDim, outDim], _half);
            return Writer.Node("MatMul", [x, wt]);
        }

        /// <summary>Exact (erf) GELU, in the Div/Erf/Add/Mul/Mul shape ONNX Runtime fuses into one Gelu kernel.</summary>
        private string Gelu(string x)
        {
            var erf = Writer.Node("Erf", [Writer.Node("Div", [x, Scalar("sqrt_two", MathF.Sqrt(2f))])]);
            var onePlus = Writer.Node("Add", [erf, Scalar("one", 1f)]);
            return Writer.Node("Mul", [Writer.Node("Mul", [x, onePlus]), Scalar("half", 0.5f)]);
        }

        /// <summary>LayerNormalization always computes in fp32: epsilon 1e-12 underflows in fp16.</summary>
        private string LayerNorm(string x, string weightName, string biasName) => LayerNorm32(ToFloat32(x), weightName, biasName);

        /// <summary>LayerNormalization of an fp32 tensor; the result in compute precision.</summary>
        private string LayerNorm32(string x, string weightName, string biasName)
        {
            var normed = Writer.Node("LayerNormalization", [x, Float32Weight(weightName), Float32Weight(biasName)],
                attributes: [("axis", -1L), ("epsilon", (float)_config.LayerNormEps)]);
            return ToCompute(normed);
        }

        /// <summary>Pixels → (B, L, p·p·C) in (p, q, c) order, the loss target layout (not the conv's).</summary>
        private string Patchify(string pixels)
        {
            var split = Writer.Node("Reshape", [pixels, PixelGridShape()]);
            var grouped = Writer.Node("Transpose", [split], attributes: ("perm", new long[] { 0, 2, 4, 3, 5, 1 }));
            return Writer.Node("Reshape", [grouped, Int64s("target_patch_shape", 0, _config.NumPatches, _config.PatchDim)]);
        }

        /// <summary>norm_pix_loss: per patch (t − mean) / sqrt(var + 1e-6), with the unbiased variance.</summary>
        private string NormalizePatches(string target)
        {
            var n = _config.PatchDim;
            var mean = Writer.Node("ReduceMean", [target], attributes: [("axes", new long[] { -1 }), ("keepdims", 1L)]);
            var centered = Writer.Node("Sub", [target, mean]);
            var sumSquares = Writer.Node("ReduceSum", [Writer.Node("Mul", [centered, centered]), Int64s("minus_one", -1)], attributes: ("keepdims", 1L));
            var variance = Writer.Node("Div", [sumSquares, Writer.ScalarConstant("patch_dof", n - 1, asFloat16: false)]);
            var std = Writer.Node("Sqrt", [Writer.Node("Add", [variance, Writer.ScalarConstant("norm_pix_eps", 1e-6f, asFloat16: false)])]);
            return Writer.Node("Div", [centered, std]);
        }

        private string PixelGridShape()
        {
            var cfg = _config;
            return Int64s("pixel_grid_shape", 0, cfg.NumChannels, cfg.GridSize, cfg.PatchSize, cfg.GridSize, cfg.PatchSize);
        }

        private string BatchDim(string pixels) =>
            _batchDim ??= Writer.Node("Shape", [pixels], attributes: [("start", 0L), ("end", 1L)]);

        private string Weight(string name)
        {
            var t = checkpoint[name];
            return Writer.Initializer(name, t.Values, t.Shape.Select(d => (long)d).ToArray(), _half);
        }

        /// <summary>A checkpoint tensor kept in fp32 whatever the precision (layernorm parameters).</summary>
        private string Float32Weight(string name)
        {
            var t = checkpoint[name];
            return Writer.Initializer(name, t.Values, t.Shape.Select(d => (long)d).ToArray(), asFloat16: false);
        }

        private readonly Dictionary<string, string> _scalars = [];

        private string Scalar(string name, float value)
        {
            if (!_scalars.TryGetValue(name, out var existing))
            {
                existing = Writer.ScalarConstant("scalar_" + name, value, _half);
                _scalars[name] = existing;
            }
            return existing;
        }

        private readonly Dictionary<string, string> _int64s = [];

        private string Int64s(string name, params long[] values)
        {
            if (!_int64s.TryGetValue(name, out var existing))
            {
                existing = Writer.Int64Constant("i64_" + name, values);
                _int64s[name] = existing;
            }
            return existing;
        }

        private string ToFloat32(string x) => _half ? Writer.Node("Cast", [x], attributes: ("to", (long)F32)) : x;

        private string ToCompute(string x) => _half ? Writer.Node("Cast", [x], attributes: ("to", (long)F16)) : x;

        private static float[] Transpose(float[] m, int rows, int cols)
        {
            var t = new float[m.Length];
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < cols; c++)
                {
                    t[(c * rows) + r] = m[(r * cols) + c];
                }
            }
            return t;
        }
    }
}
