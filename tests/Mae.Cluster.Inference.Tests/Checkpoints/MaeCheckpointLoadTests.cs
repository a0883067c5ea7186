using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Checkpoints;

public sealed class MaeCheckpointLoadTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _directory;

    public MaeCheckpointLoadTests()
    {
        _directory = _temp.Combine("tiny");
        TinyCheckpoint.Write(_directory, seed: 11, TinyCheckpointTests.SecondShape);
    }

    private string WeightsPath => Path.Combine(_directory, "model.safetensors");

    private string ConfigPath => Path.Combine(_directory, "config.json");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void MissingTensorErrorNamesIt()
    {
        var missing = MaeTensorNames.DecoderLayer(0).LayerNormAfterBias;
        RewriteWeights(tensors => tensors.Where(t => t.Name != missing));

        var error = Assert.Throws<InvalidCheckpointException>(() => MaeCheckpoint.Load(_directory, TestContext.Current.CancellationToken));

        Assert.Contains($"'{missing}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("model.safetensors", error.Message, StringComparison.Ordinal);
        Assert.Equal(missing, error.Subject);
    }

    [Fact]
    public void WrongShapeErrorNamesTheTensorAndBothShapes()
    {
        var name = MaeTensorNames.EncoderLayer(1).IntermediateWeight;
        RewriteWeights(tensors => tensors.Select(t => t.Name == name ? t with { Shape = [48, 96] } : t));

        var error = Assert.Throws<InvalidCheckpointException>(() => MaeCheckpoint.Load(_directory, TestContext.Current.CancellationToken));

        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("[48, 96]", error.Message, StringComparison.Ordinal);
        Assert.Contains("[96, 48]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtraTensorsAreIgnored()
    {
        RewriteWeights(tensors => tensors.Append(new TensorData("vit.pooler.dense.weight", [2, 2], [1f, 2f, 3f, 4f])));

        var checkpoint = MaeCheckpoint.Load(_directory, TestContext.Current.CancellationToken);

        Assert.DoesNotContain("vit.pooler.dense.weight", checkpoint.Tensors.Keys);
        Assert.Equal(MaeCheckpointLayout.ExpectedTensors(checkpoint.Config).Count, checkpoint.Tensors.Count);
    }

    [Fact]
    public void HalfPrecisionWeightsAreWidenedOnLoad()
    {
        var original = MaeCheckpoint.Load(_directory, TestContext.Current.CancellationToken);
        var all = ReadAll();
        SafetensorsWriter.Write(WeightsPath, all, SafetensorsDtype.BF16);

        var loaded = MaeCheckpoint.Load(_directory, TestContext.Current.CancellationToken);

        var name = MaeTensorNames.EncoderLayer(0).KeyWeight;
        var expected = original[name].Values.Select(v => BitConverter.UInt32BitsToSingle(
            (uint)BitConverter.SingleToUInt32Bits(v) + 0x7FFFu + ((BitConverter.SingleToUInt32Bits(v) >> 16) & 1u) & 0xFFFF0000u));
        Assert.Equal(expected, loaded[name].Values);
        Assert.NotEqual(original.Hash, loaded.Hash);
    }

    [Fact]
    public void MissingConfigIsAClearError()
    {
        File.Delete(ConfigPath);

        var error = Assert.Throws<InvalidCheckpointException>(() => MaeCheckpoint.Load(_directory, TestContext.Current.CancellationToken));

        Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains(_directory, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingWeightsIsAClearError()
    {
        File.Delete(WeightsPath);

        var error = Assert.Throws<InvalidCheckpointException>(() => MaeCheckpoint.Load(_directory, TestContext.Current.CancellationToken));

        Assert.Contains("model.safetensors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingDirectoryIsAClearError()
    {
        var error = Assert.Throws<InvalidCheckpointException>(() => MaeCheckpoint.Load(_temp.Combine("nowhere"), TestContext.Current.CancellationToken));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingPreprocessorConfigUsesVitMaeBaseDefaultsAtTheModelsSize()
    {
        var withFile = MaeCheckpoint.Load(_directory, TestContext.Current.CancellationToken);
        File.Delete(Path.Combine(_directory, "preprocessor_config.json"));

        var checkpoint = MaeCheckpoint.Load(_directory, TestContext.Current.CancellationToken);

        Assert.Equal(PreprocessorConfig.Default.ImageMean, checkpoint.Preprocessor.ImageMean);
        Assert.Equal(32, checkpoint.Preprocessor.Height);
        Assert.Equal(32, checkpoint.Preprocessor.Width);
        Assert.NotEqual(withFile.Hash, checkpoint.Hash);
    }

    [Fact]
    public void PreprocessorSizeDifferentFromTheModelIsRefused()
    {
        File.WriteAllText(Path.Combine(_directory, "preprocessor_config.json"), """{"size": 224}""");

        var error = Assert.Throws<InvalidCheckpointException>(() => MaeCheckpoint.Load(_directory, TestContext.Current.CancellationToken));

        Assert.Contains("preprocessor_config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("'size'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadConfigJsonNamesTheFileAndField()
    {
        var text = File.ReadAllText(ConfigPath).Replace("\"hidden_size\": 48", "\"hidden_size\": \"forty-eight\"", StringComparison.Ordinal);
        File.WriteAllText(ConfigPath, text);

        var error = Assert.Throws<InvalidCheckpointException>(() => MaeCheckpoint.Load(_directory, TestContext.Current.CancellationToken));

        Assert.Contains(ConfigPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("'hidden_size'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GeluNewCheckpointIsRefused()
    {
        var text = File.ReadAllText(ConfigPath).Replace("\"gelu\"", "\"gelu_new\"", StringComparison.Ordinal);
        File.WriteAllText(ConfigPath, text);

        var error = Assert.Throws<InvalidCheckpointException>(() => MaeCheckpoint.Load(_directory, TestContext.Current.CancellationToken));

        Assert.Contains("gelu_new", error.Message, StringComparison.Ordinal);
        Assert.Contains("'hidden_act'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedWeightsFileNamesTheTensor()
    {
        using var reader = SafetensorsReader.Open(WeightsPath);
        var last = reader.Tensors.Values.MaxBy(t => t.DataEnd)!;
        reader.Dispose();
        var bytes = File.ReadAllBytes(WeightsPath);
        File.WriteAllBytes(WeightsPath, bytes[..^4]);

        var error = Assert.Throws<InvalidCheckpointException>(() => MaeCheckpoint.Load(_directory, TestContext.Current.CancellationToken));

        Assert.Contains($"'{last.Name}'", error.Message, StringComparison.Ordinal);
    }

    private List<TensorData> ReadAll()
    {
        using var reader = SafetensorsReader.Open(WeightsPath);
        return reader.Tensors.Keys.Select(reader.Read).ToList();
    }

    private void RewriteWeights(Func<IEnumerable<TensorData>, IEnumerable<TensorData>> change)
    {
        var tensors = change(ReadAll()).ToList();
        SafetensorsWriter.Write(WeightsPath, tensors);
    }
}
