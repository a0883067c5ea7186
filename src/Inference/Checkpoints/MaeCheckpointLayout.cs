namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>What a tensor is for: how it is initialised in a random checkpoint.</summary>
public enum TensorRole
{
    /// <summary>A Linear or convolution weight, [out, in...].</summary>
    LinearWeight,

    /// <summary>A Linear or convolution bias.</summary>
    LinearBias,

    LayerNormWeight,
    LayerNormBias,

    /// <summary>A learned token (cls_token, mask_token).</summary>
    Token,

    /// <summary>A fixed 2-D sin-cos position table with a zero CLS row.</summary>
    PositionTable,
}

/// <summary>A tensor a checkpoint must hold, with the shape its config implies.</summary>
public sealed record ExpectedTensor(string Name, IReadOnlyList<int> Shape, TensorRole Role)
{
    public long ElementCount => Shape.Aggregate(1L, (product, dim) => product * dim);

    /// <summary>For a weight, the fan-in: the product of every dimension after the first.</summary>
    public int FanIn => Shape.Skip(1).Aggregate(1, (product, dim) => product * dim);

    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}

/// <summary>Every tensor a <c>ViTMAEForPreTraining</c> checkpoint holds, derived from its config.</summary>
public static class MaeCheckpointLayout
{
    /// <summary>
    /// The tensors a checkpoint of <paramref name="config"/> must hold, in model order. Query/key/value
    /// biases are absent when <see cref="MaeConfig.QkvBias"/> is false.
    /// </summary>
    public static IReadOnlyList<ExpectedTensor> ExpectedTensors(MaeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var d = config.HiddenSize;
        var dd = config.DecoderHiddenSize;
        var tokens = config.NumPatches + 1;
        var list = new List<ExpectedTensor>
        {
            new(MaeTensorNames.ClsToken, [1, 1, d], TensorRole.Token),
            new(MaeTensorNames.PositionEmbeddings, [1, tokens, d], TensorRole.PositionTable),
            new(MaeTensorNames.PatchProjectionWeight, [d, config.NumChannels, config.PatchSize, config.PatchSize], TensorRole.LinearWeight),
            new(MaeTensorNames.PatchProjectionBias, [d], TensorRole.LinearBias),
        };

        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            AddLayer(list, MaeTensorNames.EncoderLayer(layer), d, config.IntermediateSize, config.QkvBias);
        }

        list.Add(new(MaeTensorNames.EncoderNormWeight, [d], TensorRole.LayerNormWeight));
        list.Add(new(MaeTensorNames.EncoderNormBias, [d], TensorRole.LayerNormBias));

        list.Add(new(MaeTensorNames.MaskToken, [1, 1, dd], TensorRole.Token));
        list.Add(new(MaeTensorNames.DecoderPositionEmbeddings, [1, tokens, dd], TensorRole.PositionTable));
        list.Add(new(MaeTensorNames.DecoderEmbedWeight, [dd, d], TensorRole.LinearWeight));
        list.Add(new(MaeTensorNames.DecoderEmbedBias, [dd], TensorRole.LinearBias));
        for (var layer = 0; layer < config.DecoderNumHiddenLayers; layer++)
        {
            AddLayer(list, MaeTensorNames.DecoderLayer(layer), dd, config.DecoderIntermediateSize, config.QkvBias);
        }

        list.Add(new(MaeTensorNames.DecoderNormWeight, [dd], TensorRole.LayerNormWeight));
        list.Add(new(MaeTensorNames.DecoderNormBias, [dd], TensorRole.LayerNormBias));
        list.Add(new(MaeTensorNames.DecoderPredWeight, [config.PatchDim, dd], TensorRole.LinearWeight));
        list.Add(new(MaeTensorNames.DecoderPredBias, [config.PatchDim], TensorRole.LinearBias));
        return list;
    }

    private static void AddLayer(List<ExpectedTensor> list, TransformerLayerNames names, int width, int intermediate, bool qkvBias)
    {
        foreach (var (weight, bias) in new[]
                 {
                     (names.QueryWeight, names.QueryBias),
                     (names.KeyWeight, names.KeyBias),
                     (names.ValueWeight, names.ValueBias),
                 })
        {
            list.Add(new(weight, [width, width], TensorRole.LinearWeight));
            if (qkvBias)
            {
                list.Add(new(bias, [width], TensorRole.LinearBias));
            }
        }

        list.Add(new(names.AttentionOutputWeight, [width, width], TensorRole.LinearWeight));
        list.Add(new(names.AttentionOutputBias, [width], TensorRole.LinearBias));
        list.Add(new(names.IntermediateWeight, [intermediate, width], TensorRole.LinearWeight));
        list.Add(new(names.IntermediateBias, [intermediate], TensorRole.LinearBias));
        list.Add(new(names.OutputWeight, [width, intermediate], TensorRole.LinearWeight));
        list.Add(new(names.OutputBias, [width], TensorRole.LinearBias));
        list.Add(new(names.LayerNormBeforeWeight, [width], TensorRole.LayerNormWeight));
        list.Add(new(names.LayerNormBeforeBias, [width], TensorRole.LayerNormBias));
        list.Add(new(names.LayerNormAfterWeight, [width], TensorRole.LayerNormWeight));
        list.Add(new(names.LayerNormAfterBias, [width], TensorRole.LayerNormBias));
    }
}
