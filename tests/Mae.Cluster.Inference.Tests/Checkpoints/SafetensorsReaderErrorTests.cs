using System.Text;
using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Checkpoints;

public class SafetensorsReaderErrorTests
{
    [Fact]
    public void TruncatedSafetensorsNamesTheTensor()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("t.safetensors");
        SafetensorsWriter.Write(path,
        [
            new TensorData("a.first", [4], [1f, 2f, 3f, 4f]),
            new TensorData("b.second", [4], [1f, 2f, 3f, 4f]),
            new TensorData("c.third", [4], [1f, 2f, 3f, 4f]),
        ]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^20]); // cuts into b.second's last value and all of c.third

        var error = Assert.Throws<InvalidCheckpointException>(() => SafetensorsReader.Open(path).Dispose());

        Assert.Contains("'b.second'", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Equal("b.second", error.Subject);
        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public void HeaderLengthLargerThanTheFileIsAClearError()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("t.safetensors");
        var header = "{}"u8.ToArray();
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(1_000_000UL), .. header]);

        var error = Assert.Throws<InvalidCheckpointException>(() => SafetensorsReader.Open(path).Dispose());

        Assert.Contains("header length", error.Message, StringComparison.Ordinal);
        Assert.Contains("1000000", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileTooShortForTheHeaderLengthIsAClearError()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("t.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);

        var error = Assert.Throws<InvalidCheckpointException>(() => SafetensorsReader.Open(path).Dispose());

        Assert.Contains("too short", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeaderThatIsNotJsonIsAClearError()
    {
        using var temp = new TempDirectory();
        var path = WriteRaw(temp, "{\"x\": {\"dtype\": ", []);

        var error = Assert.Throws<InvalidCheckpointException>(() => SafetensorsReader.Open(path).Dispose());

        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ByteSpanNotMatchingTheShapeNamesTheTensor()
    {
        using var temp = new TempDirectory();
        var path = WriteRaw(temp, """{"odd":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", new byte[8]);

        var error = Assert.Throws<InvalidCheckpointException>(() => SafetensorsReader.Open(path).Dispose());

        Assert.Contains("'odd'", error.Message, StringComparison.Ordinal);
        Assert.Contains("8 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("needs 12", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownDtypeNamesTheTensor()
    {
        using var temp = new TempDirectory();
        var path = WriteRaw(temp, """{"q":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}""", new byte[16]);

        var error = Assert.Throws<InvalidCheckpointException>(() => SafetensorsReader.Open(path).Dispose());

        Assert.Contains("'q'", error.Message, StringComparison.Ordinal);
        Assert.Contains("F128", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IntegerTensorIsListedButNotReadAsFloats()
    {
        using var temp = new TempDirectory();
        var path = WriteRaw(temp, """{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", new byte[8]);
        using var reader = SafetensorsReader.Open(path);

        var error = Assert.Throws<InvalidCheckpointException>(() => reader.Read("ids"));

        Assert.Contains("'ids'", error.Message, StringComparison.Ordinal);
        Assert.Contains("I64", error.Message, StringComparison.Ordinal);
    }

    private static string WriteRaw(TempDirectory temp, string header, byte[] data)
    {
        var path = temp.Combine("raw.safetensors");
        var headerBytes = Encoding.UTF8.GetBytes(header);
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)headerBytes.Length), .. headerBytes, .. data]);
        return path;
    }
}
