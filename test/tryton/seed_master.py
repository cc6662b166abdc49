"""Seeds a fresh Tryton 6.0 database with master data and a three-level lot tree for PlantBridge's master-data and
genealogy tests (modules production, production_routing, production_work, stock_lot).

Master data: a coil, a blank and a bracket (products), BOMs blank ← coil and bracket ← blank, a routing with two
steps, two work centres. Lots: coil COIL-1 → blanks BLANK-1, BLANK-2 (production 1); BLANK-1 → bracket BRK-1
(production 2); BLANK-2 → brackets BRK-2, BRK-3 (production 3), all done. A storage location QUAR (outside the
warehouse) receives held lots.

Usage: python3 seed_master.py <config file> <database>   (prints what it created as JSON)
"""
import datetime
import json
import os
import sys
from decimal import Decimal

from proteus import Model

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed import company_setup  # noqa: E402


def main(conf, database):
    company = company_setup(conf, database)
    Uom = Model.get('product.uom')
    unit, = Uom.find([('name', '=', 'Unit')])
    kg, = Uom.find([('name', '=', 'Kilogram')])
    Template = Model.get('product.template')
    Location = Model.get('stock.location')
    warehouse, = Location.find([('type', '=', 'warehouse')])
    supplier, = Location.find([('code', '=', 'SUP')])
    storage = warehouse.storage_location

    def product(name, code, uom, cost, producible=False):
        t = Template(name=name, code=code, default_uom=uom, type='goods', producible=producible)
        t.list_price = Decimal('25.00')
        t.save()
        p = t.products[0]
        p.cost_price = Decimal(cost)
        p.save()
        return p

    coil = product('Steel coil DC01', 'RM-COIL', kg, '1.20')
    blank = product('Blank 120 x 80', 'SEMI-BLANK', unit, '3.00', True)
    bracket = product('Bracket, steel', 'FG-BRACKET', unit, '9.00', True)

    BOM = Model.get('production.bom')
    ProductBom = Model.get('product.product-production.bom')

    def bom(name, inp, qty_in, out):
        b = BOM(name=name)
        i = b.inputs.new()
        i.product = inp
        i.quantity = qty_in
        o = b.outputs.new()
        o.product = out
        o.quantity = 1
        b.save()
        out.boms.append(ProductBom(bom=b))
        out.save()
        return b

    bom_blank = bom('BOM blank', coil, 5, blank)
    bom_bracket = bom('BOM bracket', blank, 1, bracket)

    Operation = Model.get('production.routing.operation')
    Routing = Model.get('production.routing')
    routing = Routing(name='Bracket routing')
    for seq, name in enumerate(['Cut', 'Bend'], start=1):
        step = routing.steps.new()
        step.operation = Operation(name=name)
        step.operation.save()
        step.sequence = seq
    routing.save()

    Category = Model.get('production.work.center.category')
    WorkCenter = Model.get('production.work.center')
    press = Category(name='Press')
    press.save()
    centres = []
    for name in ['PRESS-1', 'PRESS-2']:
        wc = WorkCenter(name=name, category=press, warehouse=warehouse)
        wc.save()
        centres.append(wc.name)

    Lot = Model.get('stock.lot')

    def lot(number, prod):
        lt = Lot(number=number, product=prod)
        lt.save()
        return lt

    Move = Model.get('stock.move')
    # the coil arrives from the supplier: stock for the first production
    coil_lot = lot('COIL-1', coil)
    receipt = Move(product=coil, lot=coil_lot, uom=kg, quantity=10, from_location=supplier, to_location=storage,
                   unit_price=Decimal('1.20'), currency=company.currency, effective_date=datetime.date(2026, 11, 20))
    receipt.save()
    receipt.click('do')

    Production = Model.get('production')
    made = []

    def produce(number_hint, prod, the_bom, inputs, outputs):
        p = Production()
        p.product = prod
        p.bom = the_bom
        p.quantity = len(outputs)
        p.warehouse = warehouse
        p.location = warehouse.production_location
        p.planned_date = datetime.date(2026, 11, 21)
        p.save()
        # the moves as they happened: these lots in, these lots out
        p.inputs.clear()
        p.outputs.clear()
        for (lt, qty, uom) in inputs:
            m = p.inputs.new()
            m.product = lt.product
            m.lot = lt
            m.uom = uom
            m.quantity = qty
            m.from_location = storage
            m.to_location = warehouse.production_location
            m.company = company
        for lt in outputs:
            m = p.outputs.new()
            m.product = prod
            m.lot = lt
            m.uom = unit
            m.quantity = 1
            m.from_location = warehouse.production_location
            m.to_location = storage
            m.company = company
            m.unit_price = Decimal('9.00')
            m.currency = company.currency
        p.save()
        p.click('wait')
        p.click('assign_force')
        p.click('run')
        p.click('done')
        made.append({'id': p.id, 'number': p.number, 'state': p.state, 'hint': number_hint})
        return p

    b1, b2 = lot('BLANK-1', blank), lot('BLANK-2', blank)
    produce('blanks', blank, bom_blank, [(coil_lot, 10, kg)], [b1, b2])
    produce('bracket 1', bracket, bom_bracket, [(b1, 1, unit)], [lot('BRK-1', bracket)])
    produce('brackets 2-3', bracket, bom_bracket, [(b2, 1, unit)], [lot('BRK-2', bracket), lot('BRK-3', bracket)])

    quarantine = Location(name='Quarantine', code='QUAR', type='storage')
    quarantine.save()
    print(json.dumps({
        'company': company.id,
        'materials': [coil.code, blank.code, bracket.code],
        'boms': [bom_blank.id, bom_bracket.id],
        'routing': routing.id,
        'workCenters': centres,
        'productions': made,
        'quarantine': quarantine.id,
    }))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
