using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Checkpoints;

public class SafetensorsRoundTripTests
{
    [Fact]
    public void F32RoundTripKeepsEveryValueAndShape()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("t.safetensors");
        var tensors = new[]
        {
            new TensorData("matrix", [2, 3], [1.5f, -2.25f, 3e-8f, float.MaxValue, float.Epsilon, -0.0f]),
            new TensorData("scalar", [], [42f]),
            new TensorData("empty", [0, 4], []),
        };

        SafetensorsWriter.Write(path, tensors);

        using var reader = SafetensorsReader.Open(path);
        Assert.Equal(["empty", "matrix", "scalar"], reader.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal(0, reader.DataStart % 8);
        foreach (var tensor in tensors)
        {
            var back = reader.Read(tensor.Name);
            Assert.Equal(tensor.Shape, back.Shape);
            Assert.Equal(tensor.Values.Select(BitConverter.SingleToInt32Bits), back.Values.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void F16WritingRoundsToNearestEvenAndReadsBackWidened()
    {
        float[] values = [1f, 1f + MathF.Pow(2, -11), 1f + (3 * MathF.Pow(2, -11)), 0.1f, 65504f, 65520f, MathF.Pow(2, -24), -2.5f];
        ushort[] expectedBits = [0x3C00, 0x3C00, 0x3C02, 0x2E66, 0x7BFF, 0x7C00, 0x0001, 0xC100];

        var (bits, back) = WriteAndRead(values, SafetensorsDtype.F16, "F16");

        Assert.Equal(expectedBits, bits);
        float[] expectedBack = [1f, 1f, 1f + MathF.Pow(2, -9), 0.0999755859375f, 65504f, float.PositiveInfinity, MathF.Pow(2, -24), -2.5f];
        Assert.Equal(expectedBack, back);
    }

    [Fact]
    public void BF16WritingRoundsToNearestEvenAndReadsBackWidened()
    {
        float[] values = [1f, 1f + MathF.Pow(2, -8), 1f + (3 * MathF.Pow(2, -8)), 1f + MathF.Pow(2, -8) + MathF.Pow(2, -20), 0.1f, -3f, float.NaN];
        ushort[] expectedBits = [0x3F80, 0x3F80, 0x3F82, 0x3F81, 0x3DCD, 0xC040];

        var (bits, back) = WriteAndRead(values, SafetensorsDtype.BF16, "BF16");

        Assert.Equal(expectedBits, bits[..^1]);
        Assert.True((bits[^1] & 0x7F80) == 0x7F80 && (bits[^1] & 0x007F) != 0, $"NaN must stay NaN, got 0x{bits[^1]:X4}");
        Assert.Equal([1f, 1f, 1f + MathF.Pow(2, -6), 1f + MathF.Pow(2, -7), 0.10009765625f, -3f], back[..^1]);
        Assert.True(float.IsNaN(back[^1]));
    }

    [Fact]
    public void F64TensorsAreNarrowedToFloat()
    {
        float[] values = [0.1f, -1e30f, 3f];

        var (_, back) = WriteAndRead(values, SafetensorsDtype.F64, "F64");

        Assert.Equal(values, back);
    }

    [Fact]
    public void HandWrittenFileFollowingTheSpecIsRead()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("hand.safetensors");
        var header = Encoding.UTF8.GetBytes(
            """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"h":{"dtype":"BF16","shape":[1,1],"data_offsets":[8,10]},"__metadata__":{"k":"v"}}""");
        var file = new List<byte>();
        file.AddRange(BitConverter.GetBytes((ulong)header.Length));
        file.AddRange(header);
        file.AddRange(BitConverter.GetBytes(2.5f));
        file.AddRange(BitConverter.GetBytes(-7f));
        file.AddRange(new byte[] { 0xC0, 0x40 }); // bf16 0x40C0 = 6.0, little-endian
        File.WriteAllBytes(path, file.ToArray());

        using var reader = SafetensorsReader.Open(path);

        Assert.Equal([2.5f, -7f], reader.Read("w").Values);
        Assert.Equal([1, 1], reader.Read("h").Shape);
        Assert.Equal([6f], reader.Read("h").Values);
        Assert.Equal("v", reader.Metadata["k"]);
    }

    [Fact]
    public void WrittenBytesDoNotDependOnTensorOrderAndKeysAreSorted()
    {
        var a = new TensorData("alpha", [2], [1f, 2f]);
        var b = new TensorData("beta.weight", [1], [3f]);
        var c = new TensorData("Zulu", [1], [4f]);
        using var first = new MemoryStream();
        using var second = new MemoryStream();

        SafetensorsWriter.Write(first, [a, b, c]);
        SafetensorsWriter.Write(second, [c, b, a]);

        Assert.Equal(first.ToArray(), second.ToArray());
        var bytes = first.ToArray();
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        var headerText = Encoding.UTF8.GetString(bytes, 8, headerLength);
        Assert.StartsWith("""{"__metadata__":{"format":"pt"}""", headerText);
        Assert.EndsWith("}", headerText.TrimEnd(' '));
        using var header = JsonDocument.Parse(headerText);
        var keys = header.RootElement.EnumerateObject().Select(p => p.Name).Where(k => k != "__metadata__").ToList();
        Assert.Equal(["Zulu", "alpha", "beta.weight"], keys);
        Assert.Equal(0, header.RootElement.GetProperty("Zulu").GetProperty("data_offsets")[0].GetInt64());
    }

    /// <summary>Writes one tensor in <paramref name="dtype"/>, returns its raw 16-bit elements (if narrow) and the values read back.</summary>
    private static (ushort[] Bits, float[] Back) WriteAndRead(float[] values, SafetensorsDtype dtype, string dtypeName)
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("t.safetensors");
        SafetensorsWriter.Write(path, [new TensorData("x", [values.Length], values)], dtype);

        using var reader = SafetensorsReader.Open(path);
        var info = reader.Tensors["x"];
        Assert.Equal(dtypeName, info.Dtype);
        var raw = File.ReadAllBytes(path);
        var start = (int)(reader.DataStart + info.DataBegin);
        var bits = info.ByteLength == values.Length * 2
            ? Enumerable.Range(0, values.Length).Select(i => BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(start + (i * 2)))).ToArray()
            : [];
        return (bits, reader.Read("x").Values);
    }
}
