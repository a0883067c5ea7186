using System.Security.Cryptography;
using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Checkpoints;

public class TinyCheckpointTests
{
    private static readonly string[] CheckpointFiles = ["config.json", "preprocessor_config.json", "model.safetensors"];

    /// <summary>A second shape: small images, odd head count, three layers, one decoder layer.</summary>
    internal static MaeConfig SecondShape { get; } = new()
    {
        ImageSize = 32,
        PatchSize = 8,
        HiddenSize = 48,
        NumHiddenLayers = 3,
        NumAttentionHeads = 3,
        IntermediateSize = 96,
        DecoderHiddenSize = 24,
        DecoderNumHiddenLayers = 1,
        DecoderNumAttentionHeads = 3,
        DecoderIntermediateSize = 40,
        MaskRatio = 0.5,
        LayerNormEps = 1e-6,
    };

    [Fact]
    public void DefaultTinyCheckpointLoadsAndValidates()
    {
        using var temp = new TempDirectory();
        var directory = temp.Combine("tiny");

        TinyCheckpoint.Write(directory);
        var checkpoint = MaeCheckpoint.Load(directory, TestContext.Current.CancellationToken);

        Assert.Equal(TinyCheckpoint.DefaultConfig, checkpoint.Config);
        Assert.Equal(224, checkpoint.Preprocessor.Height);
        Assert.Equal(PreprocessorConfig.Default.ImageMean, checkpoint.Preprocessor.ImageMean);
        Assert.Equal(MaeCheckpointLayout.ExpectedTensors(checkpoint.Config).Count, checkpoint.Tensors.Count);
        Assert.Equal([1, 197, 64], checkpoint[MaeTensorNames.PositionEmbeddings].Shape);
        Assert.Equal([768, 32], checkpoint[MaeTensorNames.DecoderPredWeight].Shape);
        Assert.Equal([128, 64], checkpoint[MaeTensorNames.EncoderLayer(1).IntermediateWeight].Shape);
        Assert.Equal(IndependentHash(directory), checkpoint.Hash);
    }

    [Fact]
    public void SecondShapeLoadsAndValidates()
    {
        using var temp = new TempDirectory();
        var directory = temp.Combine("second");

        TinyCheckpoint.Write(directory, seed: 7, SecondShape);
        var checkpoint = MaeCheckpoint.Load(directory, TestContext.Current.CancellationToken);

        Assert.Equal(SecondShape, checkpoint.Config);
        Assert.Equal(32, checkpoint.Preprocessor.Width);
        Assert.Equal([48, 3, 8, 8], checkpoint[MaeTensorNames.PatchProjectionWeight].Shape);
        Assert.Equal([1, 17, 24], checkpoint[MaeTensorNames.DecoderPositionEmbeddings].Shape);
        Assert.Equal([40, 24], checkpoint[MaeTensorNames.DecoderLayer(0).IntermediateWeight].Shape);
        Assert.Equal([192], checkpoint[MaeTensorNames.DecoderPredBias].Shape);
        Assert.Contains(MaeTensorNames.EncoderLayer(2).LayerNormAfterBias, checkpoint.Tensors.Keys);
        Assert.DoesNotContain(MaeTensorNames.DecoderLayer(1).QueryWeight, checkpoint.Tensors.Keys);
    }

    [Fact]
    public void WithoutQkvBiasTheQueryKeyValueBiasesAreAbsent()
    {
        using var temp = new TempDirectory();
        var directory = temp.Combine("nobias");

        TinyCheckpoint.Write(directory, config: TinyCheckpoint.DefaultConfig with { QkvBias = false });
        var checkpoint = MaeCheckpoint.Load(directory, TestContext.Current.CancellationToken);

        var layer = MaeTensorNames.EncoderLayer(0);
        Assert.DoesNotContain(layer.QueryBias, checkpoint.Tensors.Keys);
        Assert.DoesNotContain(layer.ValueBias, checkpoint.Tensors.Keys);
        Assert.Contains(layer.AttentionOutputBias, checkpoint.Tensors.Keys);
        using var reader = SafetensorsReader.Open(Path.Combine(directory, "model.safetensors"));
        Assert.DoesNotContain(reader.Tensors.Keys, name => name.EndsWith("query.bias", StringComparison.Ordinal));
    }

    [Fact]
    public void SameSeedGivesByteIdenticalFiles()
    {
        using var temp = new TempDirectory();
        TinyCheckpoint.Write(temp.Combine("a"), seed: 3);
        TinyCheckpoint.Write(temp.Combine("b"), seed: 3);

        foreach (var file in CheckpointFiles)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(temp.Path, "a", file)), File.ReadAllBytes(Path.Combine(temp.Path, "b", file)));
        }
    }

    [Fact]
    public void DifferentSeedGivesDifferentWeightsButTheSameTables()
    {
        using var temp = new TempDirectory();
        TinyCheckpoint.Write(temp.Combine("a"), seed: 0);
        TinyCheckpoint.Write(temp.Combine("b"), seed: 1);
        var a = MaeCheckpoint.Load(temp.Combine("a"), TestContext.Current.CancellationToken);
        var b = MaeCheckpoint.Load(temp.Combine("b"), TestContext.Current.CancellationToken);

        Assert.NotEqual(a.Hash, b.Hash);
        Assert.NotEqual(a[MaeTensorNames.ClsToken].Values, b[MaeTensorNames.ClsToken].Values);
        Assert.NotEqual(a[MaeTensorNames.EncoderLayer(0).QueryWeight].Values, b[MaeTensorNames.EncoderLayer(0).QueryWeight].Values);
        Assert.Equal(a[MaeTensorNames.PositionEmbeddings].Values, b[MaeTensorNames.PositionEmbeddings].Values);
    }

    [Fact]
    public void PositionTablesHaveAZeroClsRowAndFollowHuggingFacesFormula()
    {
        using var temp = new TempDirectory();
        var directory = temp.Combine("tiny");
        TinyCheckpoint.Write(directory);
        var checkpoint = MaeCheckpoint.Load(directory, TestContext.Current.CancellationToken);

        foreach (var (name, width) in new[] { (MaeTensorNames.PositionEmbeddings, 64), (MaeTensorNames.DecoderPositionEmbeddings, 32) })
        {
            var table = checkpoint[name].Values;
            Assert.All(table[..width], value => Assert.Equal(0f, value));
            foreach (var (row, column) in new[] { (0, 0), (0, 1), (3, 5), (13, 2), (13, 13) })
            {
                var expected = ExpectedSinCos(width, row, column);
                var actual = table.AsSpan((1 + (row * 14) + column) * width, width).ToArray();
                Assert.Equal(expected, actual);
            }
        }
    }

    [Fact]
    public void WeightsStayInTheirDocumentedRanges()
    {
        var config = TinyCheckpoint.DefaultConfig;
        foreach (var tensor in MaeCheckpointLayout.ExpectedTensors(config).Where(t => t.Role != TensorRole.PositionTable))
        {
            var values = TinyCheckpoint.CreateValues(tensor, config, seed: 5);
            var (low, high) = tensor.Role switch
            {
                TensorRole.LinearWeight => (-Math.Sqrt(3.0 / tensor.FanIn), Math.Sqrt(3.0 / tensor.FanIn)),
                TensorRole.LinearBias or TensorRole.LayerNormBias => (-0.1, 0.1),
                TensorRole.LayerNormWeight => (0.8, 1.2),
                _ => (-0.5, 0.5),
            };
            Assert.All(values, v => Assert.InRange(v, low - 1e-6, high + 1e-6));
            Assert.True(values.Distinct().Count() > values.Length / 2, $"{tensor.Name} should look random");
        }

        // Unit-variance preserving: U(±√(3/n)) has variance 1/n, so Σ w² over a row is about 1.
        var query = MaeCheckpointLayout.ExpectedTensors(config).Single(t => t.Name == MaeTensorNames.EncoderLayer(0).QueryWeight);
        var weights = TinyCheckpoint.CreateValues(query, config, seed: 5);
        Assert.InRange(weights.Sum(w => (double)w * w) / query.Shape[0], 0.8, 1.2);
    }

    [Fact]
    public void RewritingReplacesTheDirectoryWholeAndLeavesNoStagingBehind()
    {
        using var temp = new TempDirectory();
        var directory = temp.Combine("tiny");
        Directory.CreateDirectory(directory); // an existing, empty directory is replaced too

        TinyCheckpoint.Write(directory, seed: 0);
        var first = MaeCheckpoint.Load(directory, TestContext.Current.CancellationToken).Hash;
        TinyCheckpoint.Write(directory, seed: 0);
        var again = MaeCheckpoint.Load(directory, TestContext.Current.CancellationToken).Hash;
        TinyCheckpoint.Write(directory, seed: 1);
        var replaced = MaeCheckpoint.Load(directory, TestContext.Current.CancellationToken).Hash;

        Assert.Equal(first, again);
        Assert.NotEqual(first, replaced);
        Assert.Equal(["tiny"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName));
        Assert.Equal(CheckpointFiles.Order(StringComparer.Ordinal),
            Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ConfigWithoutASinCosWidthIsRefusedBeforeWriting()
    {
        using var temp = new TempDirectory();
        var directory = temp.Combine("bad");

        var error = Assert.Throws<InvalidCheckpointException>(
            () => TinyCheckpoint.Write(directory, config: TinyCheckpoint.DefaultConfig with { HiddenSize = 66, NumAttentionHeads = 3 }));

        Assert.Contains("'hidden_size'", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory));
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    [Fact]
    public void BaseSizedLayoutHasVitMaeBasesParameterCount()
    {
        var total = MaeCheckpointLayout.ExpectedTensors(TinyCheckpoint.BaseSizedConfig).Sum(t => t.ElementCount);

        Assert.Equal(111_907_840, total);
    }

    /// <summary>HF get_2d_sincos_pos_embed, written out independently: half the width per axis, column first.</summary>
    private static float[] ExpectedSinCos(int width, int row, int column)
    {
        var perAxis = width / 2;
        var result = new List<float>();
        foreach (var position in new[] { column, row })
        {
            var frequencies = Enumerable.Range(0, perAxis / 2).Select(i => 1.0 / Math.Pow(10000, i / (perAxis / 2.0))).ToArray();
            result.AddRange(frequencies.Select(f => (float)Math.Sin(position * f)));
            result.AddRange(frequencies.Select(f => (float)Math.Cos(position * f)));
        }

        return [.. result];
    }

    private static string IndependentHash(string directory)
    {
        var bytes = CheckpointFiles.SelectMany(file => File.ReadAllBytes(Path.Combine(directory, file))).ToArray();
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
