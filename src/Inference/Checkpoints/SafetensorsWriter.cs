using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>The name and shape of a tensor to be written; its values come later, one tensor at a time.</summary>
public sealed record SafetensorsEntry(string Name, IReadOnlyList<int> Shape)
{
    public long ElementCount => Shape.Aggregate(1L, (product, dim) => product * dim);
}

/// <summary>
/// Writes <c>.safetensors</c> files deterministically: tensors in ordinal name order (header and data alike),
/// <c>"__metadata__": {"format": "pt"}</c>, the header padded with spaces to a multiple of 8 bytes,
/// fp32 values narrowed to the chosen dtype with round-to-nearest-even.
/// </summary>
public static class SafetensorsWriter
{
    private const int ChunkElements = 1 << 18;

    /// <summary>Writes <paramref name="tensors"/> to the file <paramref name="path"/> (replacing it).</summary>
    public static void Write(string path, IEnumerable<TensorData> tensors, SafetensorsDtype dtype = SafetensorsDtype.F32)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        Write(file, tensors, dtype);
    }

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="destination"/>.</summary>
    public static void Write(Stream destination, IEnumerable<TensorData> tensors, SafetensorsDtype dtype = SafetensorsDtype.F32)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var byName = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            if (!byName.TryAdd(tensor.Name, tensor))
            {
                throw new ArgumentException($"Tensor '{tensor.Name}' is given twice.", nameof(tensors));
            }
        }

        var entries = byName.Values.Select(t => new SafetensorsEntry(t.Name, t.Shape)).ToList();
        Write(destination, entries, name => byName[name].Values, dtype);
    }

    /// <summary>
    /// Writes the tensors <paramref name="entries"/> describe, asking <paramref name="valuesOf"/> for each one's
    /// fp32 values in the order they are stored, so only one tensor need exist in memory at a time.
    /// </summary>
    public static void Write(Stream destination, IReadOnlyCollection<SafetensorsEntry> entries, Func<string, float[]> valuesOf,
        SafetensorsDtype dtype = SafetensorsDtype.F32)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(valuesOf);
        var ordered = entries.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        RequireValidNames(ordered);

        var header = Header(ordered, dtype);
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)header.Length);
        destination.Write(lengthBytes);
        destination.Write(header);

        foreach (var entry in ordered)
        {
            var values = valuesOf(entry.Name);
            if (values.LongLength != entry.ElementCount)
            {
                throw new ArgumentException(
                    $"Tensor '{entry.Name}' has {values.LongLength} values, but shape [{string.Join(", ", entry.Shape)}] needs {entry.ElementCount}.",
                    nameof(valuesOf));
            }

            WriteValues(destination, values, dtype);
        }
    }

    /// <summary>The JSON header, space-padded so the data buffer starts 8-byte aligned.</summary>
    internal static byte[] Header(IReadOnlyList<SafetensorsEntry> ordered, SafetensorsDtype dtype)
    {
        var elementSize = SafetensorsDtypes.ElementSize(dtype);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();

            // "__metadata__" sorts before every lower-case tensor name; it is written first whatever the names.
            writer.WriteStartObject("__metadata__");
            writer.WriteString("format", "pt");
            writer.WriteEndObject();

            long offset = 0;
            foreach (var entry in ordered)
            {
                var end = offset + (entry.ElementCount * elementSize);
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", SafetensorsDtypes.Name(dtype));
                writer.WriteStartArray("shape");
                foreach (var dim in entry.Shape)
                {
                    writer.WriteNumberValue(dim);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(end);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset = end;
            }

            writer.WriteEndObject();
        }

        while (buffer.Length % 8 != 0)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }

    private static void RequireValidNames(List<SafetensorsEntry> ordered)
    {
        for (var i = 0; i < ordered.Count; i++)
        {
            var name = ordered[i].Name;
            if (string.IsNullOrEmpty(name) || name == "__metadata__")
            {
                throw new ArgumentException($"'{name}' cannot name a tensor.", nameof(ordered));
            }

            if (i > 0 && ordered[i - 1].Name == name)
            {
                throw new ArgumentException($"Tensor '{name}' is given twice.", nameof(ordered));
            }

            if (ordered[i].Shape.Any(dim => dim < 0))
            {
                throw new ArgumentException($"Tensor '{name}' has a negative dimension.", nameof(ordered));
            }
        }
    }

    private static void WriteValues(Stream destination, float[] values, SafetensorsDtype dtype)
    {
        if (dtype == SafetensorsDtype.F32 && BitConverter.IsLittleEndian)
        {
            destination.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }

        var elementSize = SafetensorsDtypes.ElementSize(dtype);
        var scratch = ArrayPool<byte>.Shared.Rent(ChunkElements * elementSize);
        try
        {
            for (var done = 0; done < values.Length; done += ChunkElements)
            {
                var count = Math.Min(ChunkElements, values.Length - done);
                var bytes = scratch.AsSpan(0, count * elementSize);
                FloatConversions.Narrow(dtype, values.AsSpan(done, count), bytes);
                destination.Write(bytes);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
