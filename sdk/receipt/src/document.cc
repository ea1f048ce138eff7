#include "mykey/receipt/document.h"

#include <utility>

namespace mykey::receipt {

Document& Document::Text(std::string utf8, TextStyle style) {
  return Add(TextLine{std::move(utf8), style});
}
Document& Document::AddRule(Rule rule) {
  return Add(rule);
}
Document& Document::AddImage(Bitmap bitmap, Alignment alignment) {
  return Add(Image{std::move(bitmap), alignment});
}
Document& Document::AddQr(QrCode qr) {
  return Add(std::move(qr));
}
Document& Document::AddBarcode(Barcode barcode) {
  return Add(std::move(barcode));
}
Document& Document::AddFeed(int lines) {
  return Add(Feed{lines});
}
Document& Document::AddCut(Cut cut) {
  return Add(cut);
}
Document& Document::Add(Element element) {
  elements_.push_back(std::move(element));
  return *this;
}

}  // namespace mykey::receipt
