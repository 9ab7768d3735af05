using System.Buffers.Binary;
using System.Text;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Nn.Serialization;

namespace OfflineSafety.Nn.Tests.Serialization;

public sealed class SafeTensorsTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("nn-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RoundTripIsBitExactWithMetadata()
    {
        var net = new Mlp(5, [7], 3, new Xoshiro256StarStar(8));
        net.Parameters[1][0] = float.NaN;
        net.Parameters[1][1] = float.NegativeInfinity;
        net.Parameters[1][2] = -0f;
        net.Parameters[1][3] = float.Epsilon;
        var path = Path.Combine(_dir, "net.safetensors");
        SafeTensors.Save(path, net.Parameters, new Dictionary<string, string> { ["step"] = "42", ["kind"] = "critic" });

        var content = SafeTensors.Load(path);
        Assert.Equal("42", content.Metadata["step"]);
        Assert.Equal("critic", content.Metadata["kind"]);
        Assert.Equal(net.Parameters.Select(p => p.Name), content.Tensors.Select(t => t.Name));
        foreach (var p in net.Parameters)
        {
            var t = content[p.Name!];
            Assert.Equal(p.Shape, t.Shape);
            Assert.Equal(p.Data.ToArray().Select(BitConverter.SingleToInt32Bits), t.Values.Select(BitConverter.SingleToInt32Bits));
        }

        var copy = new Mlp(5, [7], 3, new Xoshiro256StarStar(99));
        SafeTensors.LoadInto(path, copy.Parameters);
        for (int i = 0; i < copy.Parameters.Count; i++)
            Assert.Equal(net.Parameters[i].Data.ToArray().Select(BitConverter.SingleToInt32Bits), copy.Parameters[i].Data.ToArray().Select(BitConverter.SingleToInt32Bits));

        // The data section starts 8-byte aligned, as the reference writer pads it.
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0UL, (BinaryPrimitives.ReadUInt64LittleEndian(bytes) + 8) % 8);
    }

    [Fact]
    public void ReadsReferenceLayoutFixture()
    {
        // Written by reference/make_reference.py in huggingface/safetensors' layout.
        var content = SafeTensors.Load(Path.Combine(AppContext.BaseDirectory, "reference", "fixture.safetensors"));
        Assert.Equal("pt", content.Metadata["format"]);
        Assert.Equal([3], content["bias"].Shape);
        Assert.Equal([0.5f, -1.25f, 3.0e-8f], content["bias"].Values);
        Assert.Equal([2, 3], content["weight"].Shape);
        for (int i = 0; i < 6; i++) Assert.Equal((float)i / 7f, content["weight"].Values[i]);
        var w = content["weight"].ToTensor();
        Assert.Equal(5f / 7f, w[1, 2]);
    }

    [Fact]
    public void RankThreeTensorsRoundTripAsEntries()
    {
        var entry = new SafeTensor("cube", [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
        var path = Path.Combine(_dir, "cube.safetensors");
        SafeTensors.Save(path, [entry]);
        var back = SafeTensors.Load(path)["cube"];
        Assert.Equal(entry.Shape, back.Shape);
        Assert.Equal(entry.Values, back.Values);
        Assert.Throws<NotSupportedException>(() => back.ToTensor());
    }

    static byte[] File_(string header, int dataBytes)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)h.Length);
        h.CopyTo(bytes, 8);
        return bytes;
    }

    public static TheoryData<string, int, string> Malformed => new()
    {
        { "{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "dtype F16 is not supported" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12 bytes" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "run past" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "overlaps" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "gap in data" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "tensors cover 4" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "not a non-negative integer" },
        { "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "missing array field 'shape'" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "data_offsets" },
        { "{\"a\":", 0, "not valid JSON" },
        { "[1,2]", 0, "does not start with '{'" },
        { "{\"__metadata__\":{\"k\":1}}", 0, "is not a string" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedHeadersAreRejectedWithTheReason(string header, int dataBytes, string reason)
    {
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(File_(header, dataBytes)));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void TruncatedFilesAreRejected()
    {
        Assert.Contains("shorter than", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(new byte[5])).Message);
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        Assert.Contains("runs past the end", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(bytes)).Message);
    }

    [Fact]
    public void LoadNamesTheFileAndShapeMismatch()
    {
        var path = Path.Combine(_dir, "small.safetensors");
        var small = new Mlp(2, [3], 1, new Xoshiro256StarStar(1));
        SafeTensors.Save(path, small.Parameters);
        var big = new Mlp(2, [4], 1, new Xoshiro256StarStar(1));
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.LoadInto(path, big.Parameters));
        Assert.Contains(path, e.Message);
        Assert.Contains("0.weight", e.Message);
        Assert.Contains("[4, 2]", e.Message);
    }

    [Fact]
    public void UnnamedOrDuplicateTensorsCannotBeSaved()
    {
        var path = Path.Combine(_dir, "x.safetensors");
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, [Tensor.Vector(2)]));
        var a = Tensor.Vector(1);
        a.Name = "w";
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, [a, a]));
    }
}
