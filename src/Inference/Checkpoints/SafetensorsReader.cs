using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>
/// Reads a <c>.safetensors</c> file: a little-endian u64 header length N, N bytes of JSON header
/// (<c>{name: {"dtype","shape","data_offsets":[begin,end]}, "__metadata__": {...}}</c>), then the data buffer.
/// Opening validates the whole header against the file size; tensors are then read one at a time straight
/// from the file, so a multi-gigabyte checkpoint never sits in one buffer. Reads may run in parallel.
/// </summary>
public sealed class SafetensorsReader : IDisposable
{
    /// <summary>The largest header accepted, as the reference implementation limits it (100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";

    // Conversions of narrow or wide dtypes go through a bounded scratch buffer rather than one of the tensor's size.
    private const int ChunkBytes = 1 << 20;

    private readonly SafeFileHandle _file;

    private SafetensorsReader(string path, SafeFileHandle file, long dataStart, long dataLength,
        IReadOnlyDictionary<string, SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _file = file;
        DataStart = dataStart;
        DataLength = dataLength;
        Tensors = tensors;
        Metadata = metadata;
    }

    public string Path { get; }

    /// <summary>Byte offset in the file where the data buffer starts (8 + header length).</summary>
    public long DataStart { get; }

    /// <summary>Bytes in the data buffer (file length − <see cref="DataStart"/>).</summary>
    public long DataLength { get; }

    /// <summary>Every tensor the header lists, by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens <paramref name="path"/> and validates its header against the file.</summary>
    /// <exception cref="InvalidCheckpointException">The file is missing, truncated or its header is malformed.</exception>
    public static SafetensorsReader Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidCheckpointException($"Safetensors file '{path}' does not exist.", path, null, ex);
        }

        try
        {
            return ReadHeader(path, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => Tensors.ContainsKey(name);

    /// <summary>Reads one tensor, widened (or narrowed, for F64) to fp32.</summary>
    /// <exception cref="KeyNotFoundException">The file has no tensor <paramref name="name"/>.</exception>
    /// <exception cref="InvalidCheckpointException">The tensor's dtype is not a floating type, or the file changed under us.</exception>
    public TensorData Read(string name)
    {
        var info = Tensors.TryGetValue(name, out var found)
            ? found
            : throw new KeyNotFoundException($"{Path} has no tensor '{name}'.");
        return new TensorData(name, info.Shape, ReadValues(info));
    }

    /// <summary>Reads the values of one tensor of this file as fp32.</summary>
    public float[] ReadValues(SafetensorsTensorInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var dtype = SafetensorsDtypes.FloatType(info.Dtype)
            ?? throw new InvalidCheckpointException(
                $"{Path}: tensor '{info.Name}' has dtype {info.Dtype}; only F32, F16, BF16 and F64 tensors can be read as floats.",
                Path, info.Name);
        if (info.ElementCount > Array.MaxLength)
        {
            throw new InvalidCheckpointException(
                $"{Path}: tensor '{info.Name}' has {info.ElementCount} elements, more than one array can hold.", Path, info.Name);
        }

        var values = GC.AllocateUninitializedArray<float>((int)info.ElementCount);
        var fileOffset = DataStart + info.DataBegin;
        if (dtype == SafetensorsDtype.F32 && BitConverter.IsLittleEndian)
        {
            // The stored bytes already are the array's bytes: read them in place, with no scratch copy.
            ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()), fileOffset, info);
            return values;
        }

        var elementSize = SafetensorsDtypes.ElementSize(dtype);
        var elementsPerChunk = ChunkBytes / elementSize;
        var scratch = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            for (var done = 0; done < values.Length; done += elementsPerChunk)
            {
                var count = Math.Min(elementsPerChunk, values.Length - done);
                var bytes = scratch.AsSpan(0, count * elementSize);
                ReadExactly(bytes, fileOffset + ((long)done * elementSize), info);
                FloatConversions.Widen(dtype, bytes, values.AsSpan(done, count));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }

        return values;
    }

    public void Dispose() => _file.Dispose();

    private void ReadExactly(Span<byte> destination, long fileOffset, SafetensorsTensorInfo info)
    {
        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(_file, destination, fileOffset);
            if (read == 0)
            {
                throw new InvalidCheckpointException(
                    $"{Path}: the file ended while reading tensor '{info.Name}' (it was truncated after it was opened).",
                    Path, info.Name);
            }

            destination = destination[read..];
            fileOffset += read;
        }
    }

    private static SafetensorsReader ReadHeader(string path, SafeFileHandle file)
    {
        var fileLength = RandomAccess.GetLength(file);
        if (fileLength < 8)
        {
            throw new InvalidCheckpointException(
                $"{path} is {fileLength} bytes long, too short for the 8-byte header length a safetensors file starts with.", path, null);
        }

        Span<byte> lengthBytes = stackalloc byte[8];
        ReadAll(file, lengthBytes, 0);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8))
        {
            throw new InvalidCheckpointException(
                $"{path}: the header length field says {headerLength} bytes, but only {fileLength - 8} bytes follow it; "
                + "the file is truncated or not a safetensors file.", path, null);
        }

        if (headerLength > MaxHeaderLength)
        {
            throw new InvalidCheckpointException(
                $"{path}: the header length field says {headerLength} bytes, more than the {MaxHeaderLength} a safetensors header may have.",
                path, null);
        }

        var header = new byte[headerLength];
        ReadAll(file, header, 8);
        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;
        var (tensors, metadata) = ParseHeader(path, header, dataLength);
        return new SafetensorsReader(path, file, dataStart, dataLength, tensors, metadata);
    }

    private static void ReadAll(SafeFileHandle file, Span<byte> destination, long offset)
    {
        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(file, destination, offset);
            if (read == 0)
            {
                throw new EndOfStreamException("The file ended early.");
            }

            destination = destination[read..];
            offset += read;
        }
    }

    private static (Dictionary<string, SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata) ParseHeader(
        string path, byte[] header, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException ex)
        {
            throw new InvalidCheckpointException(
                $"{path}: the header is not valid JSON: {ex.Message} (first bytes: {Preview(header)})", path, null, ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidCheckpointException($"{path}: the header must be a JSON object.", path, null);
            }

            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }

                var info = ParseEntry(path, property.Name, property.Value);
                if (!tensors.TryAdd(info.Name, info))
                {
                    throw new InvalidCheckpointException($"{path}: the header lists tensor '{info.Name}' twice.", path, info.Name);
                }
            }

            RequireInsideBuffer(path, tensors.Values, dataLength);
            return (tensors, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidCheckpointException($"{path}: header field '{MetadataKey}' must be an object of strings.", path, MetadataKey);
        }

        foreach (var item in value.EnumerateObject())
        {
            metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String
                ? item.Value.GetString()!
                : throw new InvalidCheckpointException(
                    $"{path}: header field '{MetadataKey}.{item.Name}' must be a string.", path, MetadataKey);
        }
    }

    private static SafetensorsTensorInfo ParseEntry(string path, string name, JsonElement entry)
    {
        InvalidCheckpointException Bad(string problem) => new($"{path}: tensor '{name}' {problem}", path, name);

        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw Bad("has a header entry that is not an object.");
        }

        if (!entry.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw Bad("has no \"dtype\" string in the header.");
        }

        var dtype = dtypeElement.GetString()!;
        var elementSize = SafetensorsDtypes.ElementSize(dtype) ?? throw Bad($"has unknown dtype \"{dtype}\".");

        if (!entry.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw Bad("has no \"shape\" list in the header.");
        }

        var shape = new List<int>();
        foreach (var dim in shapeElement.EnumerateArray())
        {
            shape.Add(dim.ValueKind == JsonValueKind.Number && dim.TryGetInt32(out var size) && size >= 0
                ? size
                : throw Bad($"has a shape entry {dim.GetRawText()} that is not a non-negative integer."));
        }

        if (!entry.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2
            || !offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end)
            || begin < 0 || end < begin)
        {
            throw Bad("needs \"data_offsets\": [begin, end] with 0 <= begin <= end.");
        }

        var info = new SafetensorsTensorInfo(name, dtype, shape, begin, end);
        long expectedBytes;
        try
        {
            expectedBytes = checked(shape.Aggregate(1L, (product, dim) => checked(product * dim)) * elementSize);
        }
        catch (OverflowException)
        {
            throw Bad($"has shape [{string.Join(", ", shape)}], too large to address.");
        }

        if (expectedBytes != info.ByteLength)
        {
            throw Bad($"spans {info.ByteLength} bytes, but shape [{string.Join(", ", shape)}] of {dtype} needs {expectedBytes}.");
        }

        return info;
    }

    private static void RequireInsideBuffer(string path, IEnumerable<SafetensorsTensorInfo> tensors, long dataLength)
    {
        var firstIncomplete = tensors
            .Where(t => t.DataEnd > dataLength)
            .OrderBy(t => t.DataBegin)
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        if (firstIncomplete is not null)
        {
            throw new InvalidCheckpointException(
                $"{path} is truncated: tensor '{firstIncomplete.Name}' needs data bytes [{firstIncomplete.DataBegin}, {firstIncomplete.DataEnd}), "
                + $"but the data buffer holds only {dataLength} bytes.", path, firstIncomplete.Name);
        }
    }

    private static string Preview(byte[] header)
    {
        var text = Encoding.UTF8.GetString(header, 0, Math.Min(header.Length, 60));
        return $"\"{text}\"";
    }
}
