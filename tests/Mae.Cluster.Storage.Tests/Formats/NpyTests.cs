using System.Buffers.Binary;
using System.Text;
using Mae.Cluster.Storage.Formats;
using Mae.Cluster.Storage.Tests.Formats.Support;

namespace Mae.Cluster.Storage.Tests.Formats;

public sealed class NpyTests
{
    private static float[] Matrix(int rows, int columns) =>
        [.. Enumerable.Range(0, rows * columns).Select(i => (float)Math.Sin(i * 0.37) * (1 + (i % 7)))];

    [Fact]
    public async Task HeaderIsVersion10WithTheNumpyDictAndDataAlignedTo64Bytes()
    {
        var bytes = await WriteAsync(NpyElementType.Fp32, Matrix(3, 5), 5, rows: 3);

        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0], bytes[..8]);
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        var dataStart = 10 + headerLength;
        Assert.Equal(0, dataStart % 64);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }", header, StringComparison.Ordinal);
        Assert.EndsWith("\n", header, StringComparison.Ordinal);
        Assert.Equal(dataStart + (3 * 5 * 4), bytes.Length);
    }

    [Theory]
    [InlineData(NpyElementType.Fp32, "<f4")]
    [InlineData(NpyElementType.Fp16, "<f2")]
    public async Task RowsWrittenInBatchesReadBackInOrder(NpyElementType elementType, string descr)
    {
        var values = Matrix(40, 768);
        using var stream = new MemoryStream();
        var writer = new NpyWriter(stream, elementType, 768, rows: 40);
        for (var row = 0; row < 40; row += 16)
        {
            await writer.WriteRowsAsync(values.AsMemory(row * 768, Math.Min(16, 40 - row) * 768), TestContext.Current.CancellationToken);
        }

        await writer.CompleteAsync(TestContext.Current.CancellationToken);
        stream.Position = 0;
        var array = NpyReader.Read(stream);

        Assert.Equal(descr, array.Descr);
        Assert.Equal([40L, 768L], array.Shape);
        Assert.False(array.FortranOrder);
        var expected = elementType == NpyElementType.Fp16 ? values.Select(v => (float)(Half)v).ToArray() : values;
        Assert.Equal(expected, array.Values);
    }

    [Fact]
    public async Task UnknownRowCountIsWrittenIntoTheHeaderAtCompletionWithTheSameBytes()
    {
        var values = Matrix(7, 4);
        var known = await WriteAsync(NpyElementType.Fp32, values, 4, rows: 7);

        using var stream = new MemoryStream();
        var writer = new NpyWriter(stream, NpyElementType.Fp32, 4);
        await writer.WriteRowsAsync(values.AsMemory(0, 12), TestContext.Current.CancellationToken);
        await writer.WriteRowsAsync(values.AsMemory(12), TestContext.Current.CancellationToken);
        await writer.CompleteAsync(TestContext.Current.CancellationToken);

        Assert.Equal(known, stream.ToArray());
    }

    [Fact]
    public void UnknownRowCountNeedsASeekableDestination()
    {
        using var forwardOnly = new WriteOnlyStream();

        var error = Assert.Throws<ArgumentException>(() => new NpyWriter(forwardOnly, NpyElementType.Fp32, 4));

        Assert.Contains("must be seekable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KnownRowCountStreamsToANonSeekableDestination()
    {
        using var forwardOnly = new WriteOnlyStream();
        var writer = new NpyWriter(forwardOnly, NpyElementType.Fp32, 2, rows: 1);

        await writer.WriteRowsAsync(new float[] { 1, 2 }, TestContext.Current.CancellationToken);
        await writer.CompleteAsync(TestContext.Current.CancellationToken);

        Assert.Equal(128 + 8, forwardOnly.Written.Length);
    }

    [Fact]
    public async Task FewerRowsThanDeclaredAreRefusedAtCompletion()
    {
        using var stream = new MemoryStream();
        var writer = new NpyWriter(stream, NpyElementType.Fp32, 2, rows: 3);
        await writer.WriteRowsAsync(new float[] { 1, 2, 3, 4 }, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.CompleteAsync(TestContext.Current.CancellationToken));

        Assert.Equal("The .npy file was declared with 3 rows but 2 were written.", error.Message);
    }

    [Fact]
    public async Task MoreRowsThanDeclaredAreRefused()
    {
        using var stream = new MemoryStream();
        var writer = new NpyWriter(stream, NpyElementType.Fp32, 2, rows: 1);

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await writer.WriteRowsAsync(new float[] { 1, 2, 3, 4 }, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PartialRowIsRefused()
    {
        using var stream = new MemoryStream();
        var writer = new NpyWriter(stream, NpyElementType.Fp32, 4);

        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await writer.WriteRowsAsync(new float[] { 1, 2, 3 }, TestContext.Current.CancellationToken));

        Assert.Contains("3 values are not whole rows of 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedFileIsRefusedByTheReader()
    {
        using var stream = new MemoryStream(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 200, 0, (byte)'{' });

        Assert.Throws<InvalidDataException>(() => NpyReader.Read(stream));
    }

    [Theory]
    [InlineData(NpyElementType.Fp32, 5, 8)]
    [InlineData(NpyElementType.Fp16, 5, 8)]
    [InlineData(NpyElementType.Fp32, 0, 768)]
    [InlineData(NpyElementType.Fp32, 1234, 3)]
    public async Task FileIsByteIdenticalToNumpySaveOfTheSameArray(NpyElementType elementType, int rows, int columns)
    {
        PythonNumpy.SkipIfMissing();
        using var temp = new TempDirectory();
        var values = Matrix(rows, columns);
        var ours = temp.Combine("ours.npy");
        await File.WriteAllBytesAsync(ours, await WriteAsync(elementType, values, columns, rows), TestContext.Current.CancellationToken);
        var theirs = temp.Combine("theirs.npy");
        var dtype = elementType == NpyElementType.Fp16 ? "float16" : "float32";

        // numpy loads our file, checks its shape and dtype, and saves the same values itself.
        var summary = PythonNumpy.RunChecked(
            $$"""
            import sys, numpy as np
            a = np.load(sys.argv[1])
            assert a.dtype == np.{{dtype}}, a.dtype
            assert a.shape == ({{rows}}, {{columns}}), a.shape
            assert a.flags['C_CONTIGUOUS']
            expected = np.sin(np.arange({{rows * columns}}) * 0.37).astype(np.float32) * (1 + np.arange({{rows * columns}}) % 7)
            expected = expected.astype(np.float32).astype(np.{{dtype}}).reshape({{rows}}, {{columns}})
            assert np.allclose(a, expected, rtol=1e-6, atol=1e-6), np.abs(a - expected).max()
            np.save(sys.argv[2], a)
            print(a.shape, a.dtype)
            """,
            ours,
            theirs);

        Assert.Equal($"({rows}, {columns}) {dtype}", summary);
        Assert.Equal(await File.ReadAllBytesAsync(theirs, TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(ours, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(3, 5, 4)]
    [InlineData(0, 197, 8)]
    public async Task ARowShapedArrayStreamedRowByRowIsByteIdenticalToNumpySaveOfThe3DArray(int rows, int tokens, int hidden)
    {
        PythonNumpy.SkipIfMissing();
        using var temp = new TempDirectory();
        var values = Matrix(rows, tokens * hidden);
        var ours = temp.Combine("ours.npy");
        await using (var file = File.Create(ours))
        {
            // Rows unknown up front, as a shard streams its patch tokens: the header is patched on completion.
            var writer = new NpyWriter(file, NpyElementType.Fp16, [tokens, hidden]);
            for (var row = 0; row < rows; row++)
            {
                await writer.WriteRowsAsync(values.AsMemory(row * tokens * hidden, tokens * hidden), TestContext.Current.CancellationToken);
            }
            await writer.CompleteAsync(TestContext.Current.CancellationToken);
            Assert.Equal(tokens * hidden, writer.Columns);
        }
        var theirs = temp.Combine("theirs.npy");

        var summary = PythonNumpy.RunChecked(
            $$"""
            import sys, numpy as np
            a = np.load(sys.argv[1])
            expected = np.sin(np.arange({{rows * tokens * hidden}}) * 0.37).astype(np.float32) * (1 + np.arange({{rows * tokens * hidden}}) % 7)
            expected = expected.astype(np.float32).astype(np.float16).reshape({{rows}}, {{tokens}}, {{hidden}})
            assert np.array_equal(a, expected), np.abs(a.astype(np.float32) - expected).max()
            np.save(sys.argv[2], a)
            print(a.shape, a.dtype)
            """,
            ours,
            theirs);

        Assert.Equal($"({rows}, {tokens}, {hidden}) float16", summary);
        Assert.Equal(await File.ReadAllBytesAsync(theirs, TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(ours, TestContext.Current.CancellationToken));
    }

    private static async Task<byte[]> WriteAsync(NpyElementType elementType, float[] values, int columns, long rows)
    {
        using var stream = new MemoryStream();
        var writer = new NpyWriter(stream, elementType, columns, rows);
        await writer.WriteRowsAsync(values, TestContext.Current.CancellationToken);
        await writer.CompleteAsync(TestContext.Current.CancellationToken);
        return stream.ToArray();
    }

    /// <summary>A destination like an upload stream: write-only, no seeking.</summary>
    private sealed class WriteOnlyStream : Stream
    {
        private readonly MemoryStream _written = new();

        public byte[] Written => _written.ToArray();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _written.Write(buffer, offset, count);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _written.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
